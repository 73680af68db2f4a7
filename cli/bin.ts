#!/usr/bin/env node
// The `xcluster` command (package.json "bin"). Everything is in program.ts.
import { runCli } from './program.js'

process.exitCode = await runCli(process.argv)
