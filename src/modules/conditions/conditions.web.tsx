import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import type { FormState } from '../web/form.tsx';
import { formFields, isFormError, loginPath, sendPage } from '../web/web.support.ts';
import { PlatformConditionsPage } from './conditions.pages.tsx';
import { ensureConditionAllowed } from './conditions.routes.ts';
import { addPlatformCondition, listPlatformConditions, retireCondition } from './conditions.usecases.ts';

/** `/admin/conditions`: platform admins set the platform-wide conditions. */
export function conditionPageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  async function page(c: AppContext, state: FormState = {}, notice?: string) {
    const actor = ensureConditionAllowed(c.get('actor'), { type: 'condition.manage-platform' });
    return sendPage(c, <PlatformConditionsPage actor={actor} conditions={await listPlatformConditions(deps)} state={state} notice={notice} />, state.error?.status ?? 200);
  }
  app.get('/admin/conditions', async (c) => {
    if (c.get('actor').kind !== 'user') return c.redirect(loginPath('/admin/conditions'), 303);
    return page(c, {}, c.req.query('done') === 'added' ? 'Condition added.' : c.req.query('done') === 'retired' ? 'Condition retired.' : undefined);
  });
  app.post('/admin/conditions', async (c) => {
    if (c.get('actor').kind !== 'user') return c.redirect(loginPath('/admin/conditions'), 303);
    const form = await formFields(c);
    const actor = ensureConditionAllowed(c.get('actor'), { type: 'condition.manage-platform' });
    try {
      await addPlatformCondition(deps, actor, form, auditContextOf(c));
    } catch (error) {
      if (!isFormError(error) || error.status === 403) throw error;
      return page(c, { values: form, error });
    }
    return c.redirect('/admin/conditions?done=added', 303);
  });
  app.post('/admin/conditions/:id/retire', async (c) => {
    const actor = ensureConditionAllowed(c.get('actor'), { type: 'condition.manage-platform' });
    await retireCondition(deps, actor, c.req.param('id'), auditContextOf(c));
    return c.redirect('/admin/conditions?done=retired', 303);
  });
  return app;
}
