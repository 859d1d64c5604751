#!/usr/bin/env node
// baton-entra: one CLI for the daemon, the Entra simulator, the control plane and the snapshot tools.
import { runCli } from '../src/cli/program.js';
import { boundHeapGrowth } from '../src/framework/engine/heap.js';

boundHeapGrowth();

process.exitCode = await runCli(process.argv);
