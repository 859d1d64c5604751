import type { Command } from 'commander';
import { demoCommand } from './demo.js';
import { serveCommand } from './serve.js';
import { simulateCommand } from './simulate.js';

/** Every top-level command registers itself on the program; the order here is the order in --help. */
export type CommandModule = (program: Command) => void;

export const commandModules: CommandModule[] = [
  demoCommand,
  serveCommand,
  simulateCommand,
];
