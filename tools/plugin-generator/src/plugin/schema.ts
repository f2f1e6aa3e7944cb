/** What the generated package's component is: each kind has its own template and conformance suite. */
export type PluginKind = 'loss' | 'backbone' | 'dataset' | 'stage';

export interface PluginGeneratorSchema {
  name: string;
  kind?: PluginKind;
  directory?: string;
  packageName?: string;
}
