import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { resolveApp, type ResolvedApp, type XclusterAppConfig, describe } from './app-config.js'
import { CliError, configMessage } from './errors.js'
import { importUserModule } from './import-module.js'

/** Looked for in the working directory, in this order, when `start` gets no script and no --config. */
export const CONFIG_FILES = [
  'xcluster.config.ts',
  'xcluster.config.mts',
  'xcluster.config.js',
  'xcluster.config.mjs',
  'xcluster.config.cjs',
  'xcluster.config.json',
] as const

/** The config file in `cwd`, if there is one. */
export function findConfigFile(cwd: string): string | undefined {
  return CONFIG_FILES.map((name) => join(cwd, name)).find((path) => existsSync(path))
}

/**
 * Load a config file: JSON, or a module whose default export is the config. The config is one
 * app (`{ script, … }`), or `{ apps: [ … ] }` for several, each run by this one master.
 * Script paths are relative to the file.
 * @throws CliError `ERR_CLI_CONFIG` naming the file and the key.
 */
export async function loadConfigFile(file: string, overrides: Partial<XclusterAppConfig> = {}): Promise<ResolvedApp[]> {
  const path = resolve(file)
  if (!existsSync(path)) throw new CliError(`xcluster: the config file ${path} does not exist`, 'ERR_CLI_CONFIG')
  const raw = await importConfig(path)
  const fail = (key: string, problem: string) => new CliError(configMessage(path, key, problem), 'ERR_CLI_CONFIG')
  if (raw === null || typeof raw !== 'object') throw fail('(root)', `must be an object (one app, or { apps: [...] }), got ${describe(raw)}`)
  const baseDir = dirname(path)
  if (!('apps' in raw)) return [resolveApp(applyOverrides(raw, overrides), path, '', baseDir)]
  const { apps, ...rest } = raw as { apps: unknown }
  const extra = Object.keys(rest)[0]
  if (extra !== undefined) throw fail(extra, 'is not a setting beside `apps`; put it inside each app')
  if (!Array.isArray(apps) || apps.length === 0) throw fail('apps', `must be a non-empty array of apps, got ${describe(apps)}`)
  const resolved = apps.map((app, index) => resolveApp(applyOverrides(app, overrides), path, `apps[${index}]`, baseDir))
  const names = resolved.map((app) => app.name)
  const duplicate = names.find((name, index) => names.indexOf(name) !== index)
  if (duplicate !== undefined)
    throw fail(
      `apps[${names.lastIndexOf(duplicate)}].name`,
      `repeats the name "${duplicate}"; each app needs its own (it names the control socket)`,
    )
  return resolved
}

/** Flags given on the command line over an app's settings: sections merged key by key, `env` too. */
function applyOverrides(app: unknown, overrides: Partial<XclusterAppConfig>): unknown {
  if (app === null || typeof app !== 'object' || Object.keys(overrides).length === 0) return app
  const merged: Record<string, unknown> = { ...(app as Record<string, unknown>) }
  for (const [key, value] of Object.entries(overrides)) {
    const current = merged[key]
    const isSection =
      value !== null && typeof value === 'object' && !Array.isArray(value) && current !== null && typeof current === 'object'
    merged[key] = isSection ? { ...(current as object), ...value } : value
  }
  const restart = (overrides.restart as { backoff?: object } | undefined)?.backoff
  const current = (app as { restart?: { backoff?: unknown } }).restart?.backoff
  if (restart && current && typeof current === 'object') (merged.restart as { backoff: object }).backoff = { ...current, ...restart }
  return merged
}

async function importConfig(path: string): Promise<unknown> {
  if (path.endsWith('.json')) {
    try {
      return JSON.parse(readFileSync(path, 'utf8'))
    } catch (error) {
      throw new CliError(`xcluster: ${path} is not valid JSON: ${(error as Error).message}`, 'ERR_CLI_CONFIG', { cause: error })
    }
  }
  let module: { default?: unknown }
  try {
    module = await importUserModule(path, 'ERR_CLI_CONFIG')
  } catch (error) {
    if (error instanceof CliError) throw error
    throw new CliError(`xcluster: loading ${path} failed: ${(error as Error).message}`, 'ERR_CLI_CONFIG', { cause: error })
  }
  const value = module.default ?? module
  // A .ts file outside a "type": "module" package is compiled as CommonJS: its default export
  // then arrives wrapped once more.
  const isWrapped =
    value !== null && typeof value === 'object' && 'default' in value && ('__esModule' in value || Object.keys(value).length === 1)
  return isWrapped ? (value as { default: unknown }).default : value
}
