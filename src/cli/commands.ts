import type { Command } from 'commander';
import { configCommand } from './config.js';
import { validateCommand } from './validate.js';
import { eventsCommand } from './events.js';
import { simulateCommand } from './simulate.js';
import { syncCommand } from './sync.js';
import { snapshotCommand } from './snapshot.js';
import { mappingCommand } from './mapping.js';

/** Every top-level command registers itself on the program; the order here is the order in --help. */
export type CommandModule = (program: Command) => void;

export const commandModules: CommandModule[] = [
  configCommand,
  validateCommand,
  eventsCommand,
  simulateCommand,
  syncCommand,
  snapshotCommand,
  mappingCommand,
];
