#!/usr/bin/env node
// Committed (not built) so npm can link `graphflow` into node_modules/.bin at install time: `dist/` is only
// built afterwards by the root `prepare` script, and npm links a bin only when its target exists.
require('../dist/src/bin.js');
