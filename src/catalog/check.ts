/**
 * Checks a card beyond its schema: every fact's source is defined, tags exist, tiers and prices
 * agree with the sizes, dates are in order. Each problem points at where the user wrote the value.
 */
import type { Problem } from '../errors.ts';
import { TAGS } from '../storyboard/types.ts';
import { didYouMean } from '../util/did-you-mean.ts';
import type { PathKey } from '../util/source-doc.ts';
import { matchingRules } from './price.ts';
import { type Locator, problemAt } from './problems.ts';
import {
  type AnyCard,
  type ImageCard,
  isImageCard,
  isJudgeCard,
  isTtsCard,
  type JudgeCard,
  LOCAL_PROVIDERS,
  type ModelCard,
  type PriceRule,
  type Tier,
  type TtsCard,
} from './schema.ts';
import { tiersOfSizes } from './tiers.ts';

const KNOWN_TAGS: ReadonlySet<string> = new Set(TAGS);

/**
 * Checks that need no valid schema, so they run on the value as written and report alongside
 * schema problems: sources and tags.
 */
export function checkWritten(value: unknown, locate: Locator): Problem[] {
  if (!isRecord(value)) return [];
  return [...checkSources(value, locate), ...checkStrengths(value, locate)];
}

/** Checks of a card that passed the schema. */
export function checkCard(card: AnyCard, locate: Locator): Problem[] {
  if (isJudgeCard(card) || isTtsCard(card) || isImageCard(card))
    return [...checkOnceEachRoute(card, locate), ...checkLifecycle(card, locate)];
  return [
    ...checkDurations(card, locate),
    ...checkRoutes(card, locate),
    ...checkLifecycle(card, locate),
  ];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every object with a `source` (facts, conditions, strengths, quality) must name a defined source. */
function checkSources(card: Record<string, unknown>, locate: Locator): Problem[] {
  const sources = isRecord(card.sources) ? card.sources : {};
  const defined = Object.keys(sources);
  const problems: Problem[] = [];
  const visit = (node: unknown, path: PathKey[]): void => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) visit(item, [...path, i]);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const source = (node as { source?: unknown }).source;
    if (typeof source === 'string' && !Object.hasOwn(sources, source)) {
      const hint = didYouMean(source, defined);
      problems.push(
        problemAt(
          locate,
          [...path, 'source'],
          `source '${source}' is not defined in 'sources'`,
          hint === undefined
            ? {
                expected:
                  defined.length > 0 ? `one of: ${defined.join(', ')}` : 'an entry in sources',
              }
            : { hint: `did you mean '${hint}'?` },
        ),
      );
    }
    for (const [key, child] of Object.entries(node)) {
      if (path.length === 0 && key === 'sources') continue;
      visit(child, [...path, key]);
    }
  };
  visit(card, []);
  return problems;
}

function checkStrengths(card: Record<string, unknown>, locate: Locator): Problem[] {
  if (!isRecord(card.strengths)) return [];
  return Object.keys(card.strengths)
    .filter((tag) => !KNOWN_TAGS.has(tag))
    .map((tag) => {
      const hint = didYouMean(tag, TAGS);
      return problemAt(
        locate,
        ['strengths', tag],
        `unknown tag '${tag}'`,
        hint === undefined ? { expected: TAGS.join(', ') } : { hint: `did you mean '${hint}'?` },
        'key',
      );
    });
}

function checkDurations(card: ModelCard, locate: Locator): Problem[] {
  const problems: Problem[] = [];
  const check = (d: ModelCard['capabilities']['durations']['value'], path: PathKey[]) => {
    if ('min' in d && d.min > d.max) {
      problems.push(
        problemAt(locate, path, 'min is above max', { found: `min ${d.min}, max ${d.max}` }),
      );
    }
  };
  check(card.capabilities.durations.value, ['capabilities', 'durations', 'value']);
  card.capabilities.conditions.forEach((c, i) => {
    if (c.then.durations)
      check(c.then.durations, ['capabilities', 'conditions', i, 'then', 'durations']);
  });
  return problems;
}

function checkRoutes(card: ModelCard, locate: Locator): Problem[] {
  const problems: Problem[] = [];
  const sizeTiers = tiersOfSizes(card.capabilities.sizes.value);
  const seen = new Map<string, number>();
  const silent = card.capabilities.audio.value === 'none';

  card.routes.forEach((route, r) => {
    const at = (...rest: PathKey[]): PathKey[] => ['routes', r, ...rest];
    const key = `${route.provider} ${route.model}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.push(
        problemAt(locate, at('model'), `route ${key} is listed twice (also routes[${earlier}])`),
      );
    }
    seen.set(key, r);

    const offered: Tier[] = route.tiers ?? sizeTiers;
    (route.tiers ?? []).forEach((tier, t) => {
      if (!sizeTiers.includes(tier)) {
        problems.push(
          problemAt(locate, at('tiers', t), `tier ${tier} has no size in capabilities.sizes`, {
            expected: sizeTiers.join(' | '),
          }),
        );
      } else if (!priced(route.price.value, tier)) {
        problems.push(problemAt(locate, at('tiers', t), `tier ${tier} has no price row`));
      }
    });
    route.price.value.forEach((rule, p) => {
      if (rule.tier !== undefined && !sizeTiers.includes(rule.tier)) {
        problems.push(
          problemAt(
            locate,
            at('price', 'value', p, 'tier'),
            `price row for ${rule.tier}, a tier with no size`,
            {
              expected: sizeTiers.join(' | '),
            },
          ),
        );
      }
      if (rule.audio === true && silent) {
        problems.push(
          problemAt(
            locate,
            at('price', 'value', p, 'audio'),
            'price row for audio, but the model makes none',
          ),
        );
      }
    });
    if (!offered.some((tier) => priced(route.price.value, tier))) {
      problems.push(
        problemAt(locate, at('price'), 'no price row applies to any tier this route offers'),
      );
    }
    if (LOCAL_PROVIDERS.has(route.provider) && card.open_weights === null) {
      problems.push(
        problemAt(locate, at('provider'), `a ${route.provider} route needs open_weights`),
      );
    }
    if (route.vram_gb !== undefined && !LOCAL_PROVIDERS.has(route.provider)) {
      problems.push(
        problemAt(locate, at('vram_gb'), 'GPU memory is stated only on local routes', {
          hint: `remove vram_gb from the ${route.provider} route`,
        }),
      );
    }
  });
  return problems;
}

function priced(rules: readonly PriceRule[], tier: Tier): boolean {
  return (
    matchingRules(rules, tier, false).length > 0 || matchingRules(rules, tier, true).length > 0
  );
}

/** A judge's, a voice's or an image model's routes: each provider and model once. */
function checkOnceEachRoute(card: JudgeCard | TtsCard | ImageCard, locate: Locator): Problem[] {
  const seen = new Map<string, number>();
  const problems: Problem[] = [];
  card.routes.forEach((route, r) => {
    const key = `${route.provider} ${route.model}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.push(
        problemAt(
          locate,
          ['routes', r, 'model'],
          `route ${key} is listed twice (also routes[${earlier}])`,
        ),
      );
    }
    seen.set(key, r);
  });
  return problems;
}

function checkLifecycle(card: AnyCard, locate: Locator): Problem[] {
  const problems: Problem[] = [];
  const { deprecated_on: deprecated, retired_on: retired } = card.lifecycle;
  const released = card.released.value;
  if (retired && released !== null && retired.value < released) {
    problems.push(
      problemAt(locate, ['lifecycle', 'retired_on', 'value'], 'retired before it was released', {
        found: `released ${released}, retired ${retired.value}`,
      }),
    );
  }
  if (retired && deprecated && deprecated.value > retired.value) {
    problems.push(
      problemAt(
        locate,
        ['lifecycle', 'deprecated_on', 'value'],
        'deprecated after it was retired',
        {
          found: `deprecated ${deprecated.value}, retired ${retired.value}`,
        },
      ),
    );
  }
  if (card.lifecycle.replacement === card.id) {
    problems.push(problemAt(locate, ['lifecycle', 'replacement'], 'a model cannot replace itself'));
  }
  return problems;
}

/** Replacements must name models of the same catalog (checked once every card is known). */
export function checkReplacements(
  cards: Iterable<{ card: AnyCard; locate: Locator }>,
  ids: ReadonlySet<string>,
): Problem[] {
  const problems: Problem[] = [];
  for (const { card, locate } of cards) {
    card.routes.forEach((route, r) => {
      const named = route.replacement;
      if (named !== undefined && !ids.has(named)) {
        const hint = didYouMean(named, ids);
        problems.push(
          problemAt(
            locate,
            ['routes', r, 'replacement'],
            `replacement '${named}' is not a model of the catalog`,
            { hint: hint === undefined ? undefined : `did you mean '${hint}'?` },
          ),
        );
      }
    });
    const replacement = card.lifecycle.replacement;
    if (replacement !== undefined && replacement !== card.id && !ids.has(replacement)) {
      const hint = didYouMean(replacement, ids);
      problems.push(
        problemAt(
          locate,
          ['lifecycle', 'replacement'],
          `replacement '${replacement}' is not a model of the catalog`,
          {
            hint: hint === undefined ? undefined : `did you mean '${hint}'?`,
          },
        ),
      );
    }
  }
  return problems;
}
