/**
 * `@graphflow/core/testing`: helpers for plugin tests, not for plugin code: the shared real datasets beside a
 * checkout (skipped with a message when absent).
 */
export * from './util/shared-datasets';
