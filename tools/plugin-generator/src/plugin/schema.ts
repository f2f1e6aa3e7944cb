export interface PluginGeneratorSchema {
  name: string;
  directory?: string;
  packageName?: string;
}
