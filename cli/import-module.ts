import { pathToFileURL } from 'node:url'
import { CliError, noTypeScriptLoaderMessage } from './errors.js'

/**
 * Imports a user's file by path: a `.ts`/`.mts`/`.cts` file through tsx's API (`tsImport`) when
 * tsx is installed beside xcluster, anything else with `import()`. Shared by the config file
 * and `xcluster chart`.
 * @throws CliError `code` when the file is TypeScript and tsx is missing.
 */
export async function importUserModule(path: string, code: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href
  if (!/\.[cm]?ts$/.test(path)) return (await import(url)) as Record<string, unknown>
  let api: { tsImport(specifier: string, parent: string): Promise<Record<string, unknown>> }
  try {
    api = await import('tsx/esm/api')
  } catch {
    throw new CliError(noTypeScriptLoaderMessage(path), code)
  }
  return api.tsImport(url, import.meta.url)
}
