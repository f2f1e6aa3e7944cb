import { Command, CommanderError, Option } from 'commander';
import { CORE_VERSION } from '@graphflow/core';
import { processIo, type CliIo } from './io';
import { collect } from './plugin-setup';
import { runCommand } from './commands/run';
import { validateCommand } from './commands/validate';
import { listCommand } from './commands/list';
import { describeCommand } from './commands/describe';
import { doctorCommand } from './commands/doctor';
import { ablateCommand } from './commands/ablate';
import { evalCommand, exportCommand, inspectCommand, predictCommand, summaryCommand } from './commands/model-commands';

/** Build the `graphflow` program. Each action stores its exit code; parse errors exit 2. */
export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('graphflow')
    .description('GraphFlow: knowledge distillation for medical image segmentation, as pipelines of plugins.')
    .version(CORE_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  const pluginOption = () => new Option('-p, --plugin <path-or-package>', 'load an extra plugin (repeatable)').argParser(collect);
  const allowPluginsOption = (names = 'the manifest names (directly or through extends)') =>
    new Option('--allow-plugins', `load every plugin ${names}, even one your project's package.json does not list: a plugin runs code with your permissions`);
  const backendOption = (help = 'compute backend') => new Option('-b, --backend <name>', help);
  const inferenceModeOption = () =>
    new Option('--inference <mode>', 'whole images, overlapping tiles, or auto (tiles when an image is not the training input size)').choices(['auto', 'whole', 'sliding-window']);
  const setOption = () => new Option('-s, --set <path=value>', 'override a manifest value, e.g. stages.1.epochs=5 (repeatable)').argParser(collect);

  program
    .command('run')
    .description('validate a manifest, then run its stages into a new run folder')
    .argument('[manifest]', 'pipeline manifest (JSON)')
    .addOption(setOption())
    .addOption(pluginOption())
    .addOption(allowPluginsOption('the manifest (or the --resume run folder) names'))
    .option('-o, --out <dir>', 'exact run folder to create (must not exist)')
    .option('-r, --resume <run-dir>', 'continue an interrupted run')
    .addOption(backendOption('compute backend: auto, tfjs-node-gpu, tfjs-node, native, wasm, cpu (replaces the manifest\'s name, keeps its threads and precision)'))
    .option('--smoke', 'train a few steps per stage only (checks a pipeline end to end)')
    .addOption(new Option('--log-level <level>', 'console log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']))
    .addOption(new Option('--log-format <format>', 'console log format (default: pretty on a TTY, json otherwise)').choices(['pretty', 'json']))
    .action(async (manifest: string | undefined, opts) => setExit(await runCommand(manifest, opts, io)));

  program
    .command('validate')
    .description('check a manifest and every component option without running anything')
    .argument('<manifest>', 'pipeline manifest (JSON)')
    .addOption(setOption())
    .addOption(pluginOption())
    .addOption(allowPluginsOption())
    .option('--no-data', "don't check the data folders (roots exist, at least one image/mask pair); nothing is decoded either way")
    .option('--json', 'print the resolved manifest or the problems as JSON')
    .action(async (manifest: string, opts) => setExit(await validateCommand(manifest, opts, io)));

  program
    .command('list')
    .description('list registered components, optionally of one kind')
    .argument('[kind]', 'backbone, module, loss, dataset, transform, stage, metric, optimizer, schedule, backend, tool, …')
    .addOption(pluginOption())
    .addOption(allowPluginsOption('the --manifest names'))
    .option('-m, --manifest <file>', 'also load the plugins this manifest names')
    .option('--no-default-plugins', "don't load GraphFlow's built-in plugins")
    .option('--json', 'print JSON')
    .action(async (kind: string | undefined, opts) => setExit(await listCommand(kind, opts, io)));

  program
    .command('describe')
    .description("show a component's description, documentation, options, types and defaults")
    .argument('<kind/name>', 'component id, e.g. loss/graph-flow')
    .addOption(pluginOption())
    .addOption(allowPluginsOption('the --manifest names'))
    .option('-m, --manifest <file>', 'also load the plugins this manifest names')
    .option('--no-default-plugins', "don't load GraphFlow's built-in plugins")
    .option('--json', 'print JSON (including the full options schema)')
    .action(async (id: string, opts) => setExit(await describeCommand(id, opts, io)));

  program
    .command('doctor')
    .description('show available compute backends, the one selected, and training-kernel coverage')
    .addOption(backendOption('check this backend instead of the automatic choice'))
    .option('--json', 'print JSON')
    .action(async (opts) => setExit(await doctorCommand(opts, io)));

  program
    .command('summary')
    .description("parameters and FLOPs of a manifest's models at the data's input size")
    .argument('<manifest>', 'pipeline manifest (JSON)')
    .option('--size <HxW>', 'input size (default: the data input size)')
    .addOption(setOption())
    .addOption(pluginOption())
    .addOption(allowPluginsOption())
    .addOption(backendOption('compute backend (default: the manifest\'s)'))
    .option('--json', 'print JSON')
    .action(async (manifest: string, opts) => setExit(await summaryCommand(manifest, opts, io)));

  const data = program.command('data').description('dataset tools');
  data
    .command('inspect')
    .description('counts per split, class pixel frequencies, image sizes and a contact sheet of samples with mask overlays')
    .argument('<manifest>', 'pipeline manifest (JSON) with a data entry')
    .option('-o, --out <dir>', 'folder for data-report.json and contact-sheet.png', 'data-inspect')
    .option('--samples <n>', 'samples on the contact sheet', '8')
    .addOption(setOption())
    .addOption(pluginOption())
    .addOption(allowPluginsOption())
    .addOption(backendOption('compute backend (default: the manifest\'s)'))
    .option('--json', 'print JSON')
    .action(async (manifest: string, opts) => setExit(await inspectCommand(manifest, opts, io)));

  const modelArg = '<model>';
  const modelHelp = 'a run folder, optionally with #<model name> (default: the model its last training stage trained)';
  program
    .command('eval')
    .description('evaluate a trained model (Dice, IoU, accuracy, HD95) on its run data or another manifest\'s data')
    .argument(modelArg, modelHelp)
    .argument('[manifest]', 'evaluate on this manifest\'s data instead')
    .addOption(new Option('--partition <split>', 'split to evaluate').choices(['train', 'val', 'test']).default('test'))
    .option('--batch-size <n>', 'images per batch', '4')
    .addOption(inferenceModeOption())
    .option('--tile <HxW>', 'sliding-window tile size (default: the training input size)')
    .option('--overlap <fraction>', 'fraction of a tile its neighbours share (default 0.25)')
    .addOption(pluginOption())
    .addOption(allowPluginsOption('the run folder (and the [manifest]) names'))
    .addOption(backendOption())
    .option('--json', 'print JSON')
    .action(async (model: string, manifest: string | undefined, opts) => setExit(await evalCommand(model, manifest, opts, io)));

  program
    .command('predict')
    .description('write predicted masks (PNG, pixel = class index) and overlays for image files')
    .argument(modelArg, modelHelp)
    .argument('<images...>', 'image files (PNG, JPEG, TIFF, …)')
    .option('-o, --out <dir>', 'output folder', 'predictions')
    .addOption(new Option('--normalize <how>', 'override the intensity normalization (default: the run data\'s own preprocessing, with its dataset statistics; zscore per image when the run has no data)').choices(['zscore', 'unit', 'none']))
    .option('--size <HxW>', 'network input size (default: the run data input size)')
    .option('--no-overlays', 'masks only')
    .addOption(inferenceModeOption())
    .option('--tile <HxW>', 'sliding-window tile size (default: the training input size)')
    .option('--overlap <fraction>', 'fraction of a tile its neighbours share (default 0.25)')
    .addOption(pluginOption())
    .addOption(allowPluginsOption('the run folder names'))
    .addOption(backendOption())
    .option('--json', 'print JSON')
    .action(async (model: string, images: string[], opts) => setExit(await predictCommand(model, images, opts, io)));

  program
    .command('export')
    .description('write a self-contained TensorFlow.js model folder (model.json + weights + model card) for browser or Node inference')
    .argument(modelArg, modelHelp)
    .requiredOption('-o, --out <dir>', 'folder to create')
    .option('--size <HxW>', 'input size the card describes (default: the run data input size)')
    .addOption(pluginOption())
    .addOption(allowPluginsOption('the run folder names'))
    .addOption(backendOption())
    .option('--json', 'print JSON')
    .action(async (model: string, opts) => setExit(await exportCommand(model, opts, io)));

  program
    .command('ablate')
    .description('compare variants of one stage (e.g. which distillation losses), reusing the earlier stages')
    .argument('<manifest>', 'pipeline manifest (JSON)')
    .requiredOption('--stage <name>', 'the stage to vary (e.g. distill)')
    .addOption(new Option('--preset <preset>', 'losses: none/+each/all; pairs: graph-flow |L|=1,2,3; baselines: graph-flow vs each KD baseline').choices(['losses', 'pairs', 'baselines']))
    .option('--variants <file>', 'JSON file: { "common"?: { "<path>": value }, "variants": { "<name>": { "<path>": value } } }')
    .option('--metrics <list>', 'metrics to tabulate', 'dice,iou,hd95')
    .option('--seeds <list>', 'repeat each variant once per initial-weight seed, e.g. 1,2,3 (sets initSeed of the --seed-entry model), and tabulate mean ± sd; runs go to variants/<variant>/seed-<s>')
    .option('--seed-entry <ref>', "the model whose initSeed --seeds varies (default: the stage's options.student, else options.model)")
    .option('--base <run-dir>', 'reuse the stages before --stage from this finished run of the same manifest instead of training them again (e.g. one teacher shared by several ablations)')
    .option('--baseline <variant>', 'compare every variant with this one per test image (same seed, same image; bootstrap interval, gap closed towards the teacher); default: a variant named none or alone')
    .addOption(setOption())
    .addOption(pluginOption())
    .addOption(allowPluginsOption())
    .option('-o, --out <dir>', 'exact ablation folder to create')
    .option('--resume', 'continue the ablation in the existing --out folder: keep runs that finished with the same manifest, continue interrupted ones, run the missing ones (new variants or seeds); it compares manifests, not code, so after changing a component remove the folders of the rows it affects')
    .option('--smoke', 'a few steps per stage only')
    .addOption(backendOption())
    .addOption(new Option('--log-level <level>', 'console log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']))
    .addOption(new Option('--log-format <format>', 'console log format').choices(['pretty', 'json']))
    .action(async (manifest: string, opts) => setExit(await ablateCommand(manifest, opts, io)));

  return program;
}

/** Run the CLI with `argv` (without node and script). Returns the exit code: 0 ok, 1 run failure, 2 invalid input. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  if (argv.length === 0) {
    io.out(program.helpInformation());
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    throw e;
  }
  return code;
}
