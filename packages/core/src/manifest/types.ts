import type { ComputePrecision } from '../contracts/backend';
import type { ComponentSpec } from '../plugin/types';
import type { PluginReference } from '../registry/plugin-loader';

export interface StageSpec extends ComponentSpec {
  name: string;
  enabled: boolean;
  options: Record<string, unknown>;
}

/** A manifest after `extends`, overrides and validation (defaults filled in). */
export interface ResolvedManifest {
  name?: string;
  description?: string;
  plugins: PluginReference[];
  defaultPlugins: boolean;
  backend: string | { name: string; threads?: number; precision?: ComputePrecision };
  seed: number;
  data?: ComponentSpec & { options: Record<string, unknown> };
  models: Record<string, ComponentSpec & { options: Record<string, unknown> }>;
  stages: StageSpec[];
  outputs: { dir: string; report: boolean; figures: boolean };
}
