/**
 * The master's restart settings, from its flags or, for each flag not given, from an environment
 * variable; anything given neither way keeps xcluster's default (see the README's Settings).
 */
import type { SuperviseOptions } from '../../src/index.js'

type RestartOptions = NonNullable<SuperviseOptions['restart']>

/** Each restart setting: its flag, its variable, where it goes in `restart`, and whether `Infinity` is allowed. */
export const RESTART_SETTINGS = [
  { flag: 'min-uptime', variable: 'QUEUE_RESTART_MIN_UPTIME_MS', key: 'minUptime', min: 0 },
  { flag: 'max-restarts', variable: 'QUEUE_RESTART_MAX_RESTARTS', key: 'maxRestarts', min: 0 },
  { flag: 'restart-period', variable: 'QUEUE_RESTART_PERIOD_MS', key: 'period', min: 1 },
  { flag: 'max-crashes', variable: 'QUEUE_RESTART_MAX_CRASHES', key: 'maxCrashes', min: 0, isInfinityAllowed: true },
  { flag: 'crash-period', variable: 'QUEUE_RESTART_CRASH_PERIOD_MS', key: 'crashPeriod', min: 1 },
  { flag: 'backoff-initial', variable: 'QUEUE_RESTART_BACKOFF_INITIAL_MS', key: 'backoff.initial', min: 1 },
  { flag: 'backoff-max', variable: 'QUEUE_RESTART_BACKOFF_MAX_MS', key: 'backoff.max', min: 1 },
] as const

/** The `parseArgs` options of the restart flags, all strings. */
export const RESTART_FLAGS = Object.fromEntries(RESTART_SETTINGS.map((s) => [s.flag, { type: 'string' as const }]))

/**
 * Builds `restart` from the flags (`--max-crashes 100`) and the environment
 * (`QUEUE_RESTART_MAX_CRASHES=100`); a flag wins over its variable. Returns undefined when none
 * is set, so that every default holds.
 *
 * @example
 * readRestartSettings({ 'min-uptime': '2000' }, { QUEUE_RESTART_MAX_CRASHES: 'Infinity' })
 * // → { minUptime: 2000, maxCrashes: Infinity }
 * @throws RangeError naming the flag or variable on a value that is not a whole number in range.
 */
export function readRestartSettings(flags: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): RestartOptions | undefined {
  const restart: Record<string, unknown> = {}
  const backoff: Record<string, number> = {}
  for (const setting of RESTART_SETTINGS) {
    const fromFlag = flags[setting.flag]
    const raw = typeof fromFlag === 'string' ? fromFlag : env[setting.variable]
    if (raw === undefined || raw === '') continue
    const name = typeof fromFlag === 'string' ? `--${setting.flag}` : setting.variable
    const isInfinityAllowed = 'isInfinityAllowed' in setting && setting.isInfinityAllowed
    const value = isInfinityAllowed && /^(infinity|none)$/i.test(raw) ? Infinity : Number(raw)
    if (!(value === Infinity && isInfinityAllowed) && !(Number.isSafeInteger(value) && value >= setting.min)) {
      const expected = `an integer from ${setting.min} and up${isInfinityAllowed ? ', or Infinity' : ''}`
      throw new RangeError(`Expected \`${name}\` to be ${expected}, got \`${raw}\``)
    }
    if (setting.key.startsWith('backoff.')) backoff[setting.key.slice('backoff.'.length)] = value
    else restart[setting.key] = value
  }
  if (Object.keys(backoff).length > 0) restart.backoff = backoff
  return Object.keys(restart).length > 0 ? (restart as RestartOptions) : undefined
}
