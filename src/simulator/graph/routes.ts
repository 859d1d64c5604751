import { appAndRoleRoutes } from './app-role-routes.js';
import { directoryRoutes } from './directory-routes.js';
import type { GraphRoute } from './route.js';

/** Every Graph route the simulator serves, v1.0 and beta alike. */
export const graphRoutes: GraphRoute[] = [...directoryRoutes, ...appAndRoleRoutes];
