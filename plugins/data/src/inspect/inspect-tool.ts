import { defineComponent, type ComponentDefinition, type InspectDataTool } from '@graphflow/core';
import { inspectData } from './inspect-data';

export const inspectDataToolComponent: ComponentDefinition<Record<string, never>, InspectDataTool> = defineComponent<Record<string, never>, InspectDataTool>({
  kind: 'tool',
  name: 'inspect-data',
  description: 'Summarizes a dataset: counts and groups per partition, class frequencies, sizes, a contact sheet (what `graphflow data inspect` runs).',
  docs: 'Writes data-report.json and contact-sheet.png (labeled samples with their masks overlaid). Reads every labeled sample once; never reads unlabeled masks.',
  schema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({ inspect: (data, outDir, o) => inspectData(data, outDir, o) }),
});
