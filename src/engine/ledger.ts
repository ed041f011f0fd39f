/**
 * What a run writes down: history lines, and the effects it decides on with their
 * keys and results.
 */
import { iso, type EngineContext } from './effects.js';
import { short } from './gate.js';
import type { Effect, EffectBody, RunState } from './state.js';
import { extend } from './extend.js';

export function addEffect(
  state: RunState,
  body: EffectBody,
  meta: { key: string; step: string; attempt: number; at: number; cause: string; origin: Effect['origin'] },
): void {
  if (body.type === 'merge' || body.type === 'close') state.closesPr = true;
  state.effects.push(extend(body, { key: meta.key, step: meta.step, attempt: meta.attempt, at: iso(meta.at), cause: meta.cause, origin: meta.origin, status: 'pending' as const }));
  note(state, meta.at, meta.step, `effect ${describeEffect(body)}`);
}

export const key = (context: EngineContext, step: string, attempt: number): string => `${context.facts.run.id}:${step}:${attempt}`;

export const clip = (text: string, length = 60): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
};

export function describeEffect(effect: EffectBody): string {
  switch (effect.type) {
    case 'comment':
      return `comment "${clip(effect.body)}"`;
    case 'label':
    case 'unlabel':
      return `${effect.type} ${effect.labels.join(', ')}`;
    case 'request_reviewers':
      return `request reviews from ${[...effect.users.map((user) => `@${user}`), ...effect.teams.map((team) => `team ${team}`)].join(', ')}`;
    case 'merge':
      return `merge (${effect.method}) at ${short(effect.sha)}`;
    case 'close':
      return 'close the PR';
    case 'dispatch_workflow':
      return `dispatch workflow ${effect.workflow} on ${effect.ref}`;
    case 'repository_dispatch':
      return `repository dispatch ${effect.event_type}`;
    case 'webhook':
      return `webhook via ${effect.connection}`;
    case 'notify':
      return `notify ${[...effect.users.map((user) => `@${user}`), ...effect.teams.map((team) => `@${team}`), ...(effect.connection ? [`connection ${effect.connection}`] : [])].join(', ') || 'the PR'}: "${clip(effect.message)}"`;
  }
}

export function note(state: RunState, at: number, step: string | undefined, text: string): void {
  state.history.push(step === undefined ? { at: iso(at), text } : { at: iso(at), step, text });
}
