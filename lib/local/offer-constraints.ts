/**
 * Framework offer constraints (`subscribe.offer_constraints` / `update_framework.offer_constraints`)
 * as Mesos's allocator applies them: for a role with constraints, an agent is offered only if at
 * least one group holds, and a group holds when all its attribute constraints do. A selector names
 * an agent attribute (the first one of that name) or a pseudoattribute (HOSTNAME, REGION and ZONE
 * of the agent's fault domain, which exist only when the agent has a domain; they are TEXT).
 * Predicates: `exists` / `not_exists`; `text_equals` / `text_matches` (a full match of the regex)
 * hold for a TEXT attribute with that value and fail when the attribute is absent;
 * `text_not_equals` / `text_not_matches` are their negations for a TEXT attribute and hold when it
 * is absent; for a non-TEXT (SCALAR, RANGES, SET) attribute all four text predicates hold, as in
 * Mesos. Regexes are RE2's syntax and meaning (./re2/: parsed as RE2 parses them, refused with
 * RE2's error text and Mesos's size limits, run as an equivalent JavaScript RegExp).
 */
import type { AgentInfo, Attribute, scheduler } from '../codec/messages';
import { compileRe2, DEFAULT_RE2_LIMITS, type Re2Limits } from './re2/compile';

type Constraint = scheduler.AttributeConstraint;
type Selected = { text: string } | { nonText: true } | undefined;

/** Decides, per role, whether an agent's offers are hidden from a framework. */
export interface OfferConstraintsFilter {
  /** True when the framework's constraints for `role` exclude the agent (false for an unknown agent). */
  excludes(role: string, agentId: string): boolean;
}

/** Where a framework keeps its constraints (as given, for GET_FRAMEWORKS) and their filter. */
export interface ConstrainedFramework {
  offerConstraints?: scheduler.OfferConstraints;
  offerFilter?: OfferConstraintsFilter;
}

const UNLIMITED: Re2Limits = { maxMem: Number.POSITIVE_INFINITY, maxProgramSize: Number.POSITIVE_INFINITY };

/** The full-match RegExp of a (validated) RE2 pattern. */
function fullMatch(regex: string): RegExp {
  const compiled = compileRe2(regex, UNLIMITED);
  if ('error' in compiled) throw new Error(`unvalidated offer-constraint regex: ${compiled.error}`);
  return compiled.regex;
}

/**
 * Mesos's checks of offer constraints against the framework's roles; undefined when valid. The
 * messages are Mesos's (spacing included): first every role must be the framework's, then each
 * role's groups, their constraints, selectors, predicates and regexes, as in `Offer constraints
 * are not valid: A role <role> has an invalid 'AttributeConstraint': Failed to construct regex
 * from pattern '<p>': <RE2's error>`. `limits` are the master's `--offer_constraints_re2_*` flags.
 */
export function offerConstraintsProblem(
  constraints: scheduler.OfferConstraints | undefined,
  roles: readonly string[],
  limits: Re2Limits = DEFAULT_RE2_LIMITS,
): string | undefined {
  const byRole = Object.entries(constraints?.role_constraints ?? {});
  const foreign = byRole.find(([role]) => !roles.includes(role));
  if (foreign)
    return `Offer constraints specify \`role_constraints\` for a role '${foreign[0]}'not contained in the set of roles`;
  for (const [role, roleConstraints] of byRole) {
    const problem = roleProblem(role, roleConstraints, limits);
    if (problem) return `Offer constraints are not valid: ${problem}`;
  }
  return undefined;
}

function roleProblem(
  role: string,
  roleConstraints: scheduler.OfferConstraints.RoleConstraints,
  limits: Re2Limits,
): string | undefined {
  const groups = roleConstraints.groups ?? [];
  if (groups.length === 0) {
    return `'OfferConstraints::role_constraints' has an empty 'RoleConstraints::groups' for role ${role}`;
  }
  for (const group of groups) {
    const list = group.attribute_constraints ?? [];
    if (list.length === 0) {
      return `'OfferConstraints::RoleConstraints::groups' for role ${role}contains an empty RoleConstraints::Group`;
    }
    for (const constraint of list) {
      const problem = constraintProblem(constraint) ?? regexProblem(constraint, limits);
      if (problem) return `A role ${role} has an invalid 'AttributeConstraint': ${problem}`;
    }
  }
  return undefined;
}

function constraintProblem(constraint: Constraint): string | undefined {
  const selector = constraint.selector ?? {};
  if (selector.attribute_name === undefined) {
    const type = selector.pseudoattribute_type;
    if (type === undefined) {
      return "Exactly one of 'AttributeConstraint::Selector::name' or 'AttributeConstraint::Selector::pseudoattribute_type' must be set";
    }
    if (type !== 'HOSTNAME' && type !== 'REGION' && type !== 'ZONE') return 'Unknown pseudoattribute type';
  }
  const predicate = constraint.predicate ?? {};
  const set = Object.values(predicate).filter((value) => value !== undefined);
  if (set.length === 0) return 'Unknown predicate type';
  // Mesos's protobuf oneof keeps one of several predicates; refusing them is LocalCluster's own.
  if (set.length > 1) return 'exactly one predicate must be set';
  return undefined;
}

/** Mesos's error for the constraint's regex (RE2 cannot compile it, or it is over the limits). */
function regexProblem(constraint: Constraint, limits: Re2Limits): string | undefined {
  const regex = constraint.predicate?.text_matches?.regex ?? constraint.predicate?.text_not_matches?.regex;
  if (regex === undefined) return undefined;
  const compiled = compileRe2(regex, limits);
  return 'error' in compiled ? compiled.error : undefined;
}

function attributeValue(attribute: Attribute): Selected {
  return attribute.type === 'TEXT' ? { text: attribute.text?.value ?? '' } : { nonText: true };
}

function select(constraint: Constraint, agent: AgentInfo): Selected {
  const { attribute_name: name, pseudoattribute_type: type } = constraint.selector;
  if (name !== undefined) {
    const attribute = (agent.attributes ?? []).find((a) => a.name === name);
    return attribute ? attributeValue(attribute) : undefined;
  }
  const domain = agent.domain?.fault_domain;
  if (type === 'HOSTNAME') return { text: agent.hostname };
  if (type === 'REGION') return domain ? { text: domain.region.name } : undefined;
  return domain ? { text: domain.zone.name } : undefined;
}

function compile(constraint: Constraint): (agent: AgentInfo) => boolean {
  const p = constraint.predicate;
  const matches = p.text_matches ? fullMatch(p.text_matches.regex) : undefined;
  const notMatches = p.text_not_matches ? fullMatch(p.text_not_matches.regex) : undefined;
  return (agent) => {
    const value = select(constraint, agent);
    if (p.exists) return value !== undefined;
    if (p.not_exists) return value === undefined;
    const negated = p.text_not_equals !== undefined || notMatches !== undefined;
    if (value === undefined) return negated;
    if (!('text' in value)) return true;
    if (p.text_equals) return value.text === p.text_equals.value;
    if (p.text_not_equals) return value.text !== p.text_not_equals.value;
    if (matches) return matches.test(value.text);
    return !notMatches?.test(value.text);
  };
}

/** Stores (validated) constraints and their filter on a framework; `agentInfo` finds an agent's AgentInfo. */
export function setOfferConstraints(
  framework: ConstrainedFramework,
  constraints: scheduler.OfferConstraints | undefined,
  agentInfo: (agentId: string) => AgentInfo | undefined,
): void {
  framework.offerConstraints = constraints;
  framework.offerFilter = offerConstraintsFilter(constraints, agentInfo);
}

/** The filter of (validated) constraints; undefined when they constrain nothing. */
export function offerConstraintsFilter(
  constraints: scheduler.OfferConstraints | undefined,
  agentInfo: (agentId: string) => AgentInfo | undefined,
): OfferConstraintsFilter | undefined {
  const byRole = new Map<string, Array<Array<(agent: AgentInfo) => boolean>>>();
  for (const [role, roleConstraints] of Object.entries(constraints?.role_constraints ?? {}))
    byRole.set(
      role,
      (roleConstraints.groups ?? []).map((g) => (g.attribute_constraints ?? []).map(compile)),
    );
  if (byRole.size === 0) return undefined;
  return {
    excludes(role, agentId) {
      const groups = byRole.get(role);
      const agent = groups && agentInfo(agentId);
      return agent !== undefined && !groups?.some((group) => group.every((holds) => holds(agent)));
    },
  };
}
