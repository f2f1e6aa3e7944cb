import { GraphFlowError, closest, type Registry, type SegmentationModel } from '@graphflow/core';
import { openRun, type OpenedRun, type ResolvedManifest } from '@graphflow/core/host';
import { cliPluginSetup } from './plugin-setup';
import { trainedModelOption } from './trained-model';

/** The model the last training stage trains (the distilled student in the paper's pipelines), as its component declares (`trains`). */
export function defaultModelName(manifest: ResolvedManifest, registry: Registry): string | undefined {
  for (const stage of [...manifest.stages].reverse()) {
    const ref = trainedModelOption(stage, registry)?.ref;
    if (ref?.startsWith('models.')) return ref.slice('models.'.length);
  }
  return undefined;
}

export interface OpenedModel {
  opened: OpenedRun;
  name: string;
  model: SegmentationModel;
}

/**
 * Open `<run-dir>[#<model>]`: rebuild the run's components, restore what its finished stages trained, and return the
 * named model (default: the one the last training stage produced).
 */
export async function openModel(reference: string, options: { plugin?: string[]; allowPlugins?: boolean; backend?: string }): Promise<OpenedModel> {
  const hash = reference.lastIndexOf('#');
  const runDir = hash > 0 ? reference.slice(0, hash) : reference;
  const opened = await openRun(runDir, { ...cliPluginSetup(options), ...(options.backend ? { backend: options.backend } : {}) });
  const names = Object.keys(opened.manifest.models);
  const name = hash > 0 ? reference.slice(hash + 1) : defaultModelName(opened.manifest, opened.registry);
  if (!name || !names.includes(name)) {
    const hint = name ? closest(name, names) : undefined;
    throw new GraphFlowError('GF_MANIFEST_REF', name ? `run ${opened.run.root} has no model "${name}"` : `say which model of ${opened.run.root} to use: <run-dir>#<model>`, {
      problems: [{ code: 'GF_MANIFEST_REF', message: name ? `no model "${name}"` : 'no model given', file: opened.run.manifestFile, expected: `one of ${names.join(', ')}`, ...(hint ? { suggestion: hint } : {}) }],
    });
  }
  const model = await opened.resolve<SegmentationModel>(`models.${name}`);
  if (typeof (model as Partial<SegmentationModel>).forward !== 'function') {
    throw new GraphFlowError('GF_MANIFEST_REF', `models.${name} is not a segmentation network (it is ${opened.manifest.models[name]!.type})`, { file: opened.run.manifestFile });
  }
  return { opened, name, model };
}

/** Parse `128x96` (height × width) or `128` (square). */
export function parseSize(text: string): [number, number] {
  const m = /^(\d+)(?:x(\d+))?$/i.exec(text.trim());
  if (!m) throw new GraphFlowError('GF_OVERRIDE_INVALID', `size "${text}" must be HxW (e.g. 128x128) or one number`);
  const h = Number(m[1]);
  return [h, m[2] ? Number(m[2]) : h];
}
