import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphFlowError, Registry, defineErrorCodes, definePlugin, describeErrorCode } from '../src';

test('defineErrorCodes gives one factory per code: prefixed code, location, and the exit code its input flag says', () => {
  const errors = defineErrorCodes('ACME', {
    BAD_GRID: { description: 'The grid option is not a multiple of 8.', input: true },
    SOLVER_DIVERGED: { description: 'The solver diverged while running.', input: false },
  });
  const bad = errors.BAD_GRID('grid 12 is not a multiple of 8', { file: 'm.json', pointer: '/models/x/options/grid' });
  assert.ok(bad instanceof GraphFlowError);
  assert.equal(bad.code, 'ACME_BAD_GRID');
  assert.equal(bad.exitCode, 2);
  assert.equal(bad.message, 'ACME_BAD_GRID: m.json at /models/x/options/grid: grid 12 is not a multiple of 8');
  assert.deepEqual(bad.toJSON().problems, [{ code: 'ACME_BAD_GRID', message: 'grid 12 is not a multiple of 8', file: 'm.json', pointer: '/models/x/options/grid' }]);
  assert.equal(errors.SOLVER_DIVERGED('step 3').exitCode, 1);
  assert.equal(describeErrorCode('ACME_SOLVER_DIVERGED'), 'The solver diverged while running.');
  assert.match(describeErrorCode('GF_MANIFEST_JSON'), /not valid JSON/);
});

test('defineErrorCodes refuses core\'s prefix, malformed names, missing descriptions or input flags, and redefinitions', () => {
  assert.throws(() => defineErrorCodes('GF', { X: { description: 'x', input: true } }), /belongs to @graphflow\/core/);
  assert.throws(() => defineErrorCodes('acme', { X: { description: 'x', input: true } }), /upper case/);
  assert.throws(() => defineErrorCodes('ACME2', { 'bad-name': { description: 'x', input: true } }), /ACME2_bad-name: the name must be upper case/);
  assert.throws(() => defineErrorCodes('ACME3', { X: { description: ' ', input: true } }), /ACME3_X needs a description/);
  assert.throws(() => defineErrorCodes('ACME4', { X: { description: 'x' } as never }), /ACME4_X needs input: true/);
  defineErrorCodes('ACME5', { X: { description: 'x', input: true } });
  assert.doesNotThrow(() => defineErrorCodes('ACME5', { X: { description: 'x', input: true } }));
  assert.throws(() => defineErrorCodes('ACME5', { X: { description: 'other', input: true } }), /ACME5_X is already defined/);
});

test('api.errorCodes registers a plugin\'s codes for listings; a prefix belongs to one plugin', async () => {
  const errors = defineErrorCodes('WIDGET', { TOO_BIG: { description: 'Too big.', input: true } });
  const registry = new Registry();
  await registry.use(definePlugin({ name: 'widgets', register: (api) => api.errorCodes(errors) }));
  assert.deepEqual(registry.listErrorCodes(), [{ code: 'WIDGET_TOO_BIG', plugin: 'widgets', description: 'Too big.', input: true }]);
  await assert.rejects(
    registry.use(definePlugin({ name: 'copycat', register: (api) => api.errorCodes(errors) })),
    (e: GraphFlowError) => e.code === 'GF_PLUGIN_INVALID' && /prefix WIDGET, which plugin "widgets" owns/.test(e.message),
  );
  await assert.rejects(
    registry.use(definePlugin({ name: 'handmade', register: (api) => api.errorCodes({ TOO_BIG: () => undefined }) })),
    (e: GraphFlowError) => e.code === 'GF_PLUGIN_INVALID' && /defineErrorCodes\(\) did not make/.test(e.message),
  );
  // All or nothing: the refused plugins left no codes behind.
  assert.equal(registry.listErrorCodes().length, 1);
});
