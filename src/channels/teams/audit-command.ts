import type { AuditLog } from '../../core/remediation/ports';
import type { PolicyState } from '../../core/remediation/policy';
import { buildAuditView } from '../../core/remediation/fix-view';
import { actorOf, mayReadAudit } from './fix-actions';
import { renderFixCard } from './fix-cards';
import type { TeamsBot } from './teams-bot';

/**
 * `@Backup Doctor audit [vm]`: the latest fix audit entries, for the policy's requesters and
 * approvers. Without a policy: how to enable fixes, and no entries.
 */
export function registerAuditCommand(bot: TeamsBot, deps: { readonly audit: AuditLog; readonly policy: () => PolicyState; readonly limit?: number }): void {
  bot.registerCommand(/^(?:audit|audyt)(?:\s+([A-Za-z0-9._()-]{1,80}))?\s*$/i, async (ctx) => {
    const state = deps.policy();
    if (state.kind === 'missing') {
      const note = { en: 'The fix audit is shown to the requesters and approvers a fix policy names, and there is no fix policy yet.', pl: 'Audyt poprawek widzą osoby zlecające i zatwierdzające wskazane w polityce poprawek, a polityki jeszcze nie ma.' };
      await ctx.messenger.sendText(`${note[ctx.language]} ${state.howToEnable[ctx.language]}`);
      return;
    }
    if (!mayReadAudit(state, actorOf(ctx.sender))) {
      await ctx.messenger.sendText(ctx.language === 'pl' ? 'Polityka poprawek nie pozwala Ci czytać audytu.' : 'The fix policy does not let you read the audit.');
      return;
    }
    const vm = ctx.match?.[1];
    const entries = await deps.audit.list({ ...(vm ? { vm } : {}), limit: deps.limit ?? 15 });
    await ctx.messenger.send(renderFixCard('fix-audit', buildAuditView(entries, vm, ctx.language)));
  });
}
