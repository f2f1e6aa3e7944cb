// Read at runtime so the published package.json stays the single source of the version.
export const CORE_VERSION: string = (require('../../package.json') as { version: string }).version;
