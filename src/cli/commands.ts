import type { Command } from 'commander';
import { demoCommand } from './demo.js';
import { serveCommand } from './serve.js';
import { statusCommand } from './status.js';
import { syncCommand } from './sync.js';
import { snapshotCommand } from './snapshot.js';
import { validateCommand } from './validate.js';
import { configCommand } from './config.js';
import { eventsCommand } from './events.js';
import { mappingCommand } from './mapping.js';
import { simulateCommand } from './simulate.js';
import { controlPlaneCommand } from './control-plane.js';
import { provisionCommands } from './provision.js';

/** Every top-level command registers itself on the program; the order here is the order in --help. */
export type CommandModule = (program: Command) => void;

export const commandModules: CommandModule[] = [
  demoCommand,
  serveCommand,
  statusCommand,
  syncCommand,
  snapshotCommand,
  validateCommand,
  configCommand,
  eventsCommand,
  provisionCommands,
  mappingCommand,
  simulateCommand,
  controlPlaneCommand,
];
