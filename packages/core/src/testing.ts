/**
 * `@graphflow/core/testing`: for plugin tests, not plugin code — the conformance suites a component of each kind
 * must pass (node:test), their fixtures, and the shared real datasets beside a checkout.
 */
export * from './testing/backbone-conformance';
export * from './testing/loss-conformance';
export * from './testing/dataset-conformance';
export * from './util/shared-datasets';
export * from './testing/stage-conformance';
export * from './testing/tiny-network';
export * from './testing/component-context';
