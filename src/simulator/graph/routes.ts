import { appAndRoleRoutes } from './app-role-routes.js';
import { deltaRoutes } from './delta-routes.js';
import { directoryRoutes } from './directory-routes.js';
import { pimRoutes } from './pim-routes.js';
import { principalRoutes } from './principal-routes.js';
import { syncRoutes } from './sync-routes.js';
import type { GraphRoute } from './route.js';
import { writeRoutes } from './write-routes.js';

/** Every Graph route the simulator serves, v1.0 and beta alike. First match wins. */
export const graphRoutes: GraphRoute[] = [
  ...deltaRoutes,
  ...directoryRoutes,
  ...appAndRoleRoutes,
  ...pimRoutes,
  ...syncRoutes,
  ...principalRoutes,
  ...writeRoutes,
];
