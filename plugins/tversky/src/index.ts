import { definePlugin } from '@graphflow/core';
import { tverskyComponent, focalTverskyComponent } from './tversky-loss';
import { tverskyErrors } from './tversky-errors';

/**
 * An example of a third-party plugin: it imports nothing from GraphFlow but `@graphflow/core`'s public API,
 * exactly as an npm package published by someone else would.
 */
export default definePlugin({
  name: '@graphflow/plugin-tversky',
  version: '0.1.0',
  graphflow: '^0.1.0',
  register(api) {
    api.component(tverskyComponent);
    api.component(focalTverskyComponent);
    api.errorCodes(tverskyErrors);
  },
});

export { TverskyLoss, tverskyComponent, focalTverskyComponent, type TverskyOptions } from './tversky-loss';
export { tverskyErrors } from './tversky-errors';
