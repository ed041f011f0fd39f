/**
 * Every REST route the sandbox serves, by GitHub resource, in the order the
 * router tries them. A route GitHub has and Flowgate does not call is absent:
 * the app gets 404, as from a GitHub that lacked it.
 */
import type { SandboxContext } from '../context.js';
import type { Route } from '../router.js';
import { checkRunRoutes } from './check-runs.js';
import { commentRoutes } from './comments.js';
import { commitRoutes } from './commits.js';
import { deliveryRoutes, type DeliveryLog } from './deliveries.js';
import { dispatchRoutes } from './dispatches.js';
import { graphqlRoutes, type GraphQLLog } from './graphql.js';
import { installationRoutes } from './installations.js';
import { labelRoutes } from './labels.js';
import { pullRoutes } from './pulls.js';
import { pullListRoutes } from './pull-list.js';
import { searchRoutes } from './search.js';
import { compareRoutes } from './compare.js';
import { deploymentRoutes } from './deployments.js';
import { gitRefRoutes } from './git-refs.js';

export function allRoutes(ctx: SandboxContext, sandbox: DeliveryLog & { queries?: GraphQLLog }): Route[] {
  return [
    ...graphqlRoutes(ctx, sandbox.queries),
    ...installationRoutes(ctx),
    ...searchRoutes(ctx),
    ...checkRunRoutes(ctx),
    ...commentRoutes(ctx),
    ...labelRoutes(ctx),
    ...pullRoutes(ctx),
    ...pullListRoutes(ctx),
    ...commitRoutes(ctx),
    ...dispatchRoutes(ctx),
    ...deliveryRoutes(sandbox),
    ...gitRefRoutes(ctx),
    ...compareRoutes(ctx),
    ...deploymentRoutes(ctx),
  ];
}
