// Nx maps a workspace plugin's compiled paths back to TypeScript sources, which it can only run with swc/ts-node;
// this plain JS entry keeps `nx g` working on the compiled generator without either.
module.exports = require('./dist/src/plugin/generator');
