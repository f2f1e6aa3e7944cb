/**
 * `@graphflow/core/host`: what a host needs on top of the plugin API — the CLI, tools and scripts that load
 * manifests and plugins, validate, open run folders and run pipelines. Plugins import `@graphflow/core` only.
 */
import 'reflect-metadata';

export * from './registry/plugin-loader';
export * from './registry/plugin-consent';
export * from './manifest/load';
export * from './manifest/merge';
export * from './manifest/overrides';
export * from './manifest/limits';
export * from './manifest/value-limits';
export * from './manifest/validate';
export * from './manifest/check-files';
export * from './manifest/source-file';
export * from './manifest/manifest-schema';
export * from './pipeline/select-backend';
export * from './pipeline/component-scope';
export * from './pipeline/prepare';
export * from './pipeline/report';
export * from './pipeline/run-pipeline';
export * from './pipeline/run-scope';
export * from './pipeline/open-run';
export * from './pipeline/open-session';
