import { ImportOptions, parseImportOptions, USAGE, UsageError } from './import-options';

/**
 * `npm run import`: loads MovieLens or JSON-lines files straight into the database through the
 * repositories, without booting the HTTP application. See USAGE for the arguments.
 */
async function main(argv: string[]): Promise<number> {
  let options: ImportOptions | undefined;
  try {
    options = parseImportOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === undefined) {
    console.log(USAGE);
    return 0;
  }
  // Loaded only now: the API's DTOs bring Nest and Swagger along (most of a second), which
  // --help and a mistyped option should not wait for.
  const { runImport } = await import('./import-run');
  return runImport(options);
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
