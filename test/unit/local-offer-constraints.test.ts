/** Offer constraints as Mesos's allocator applies them: groups ORed, constraints ANDed, predicates on attributes and pseudoattributes. */
import { expect } from 'chai';
import type { AgentInfo, scheduler } from '../../lib/codec/messages';
import { offerConstraintsFilter, offerConstraintsProblem } from '../../lib/local/offer-constraints';

type Constraint = scheduler.AttributeConstraint;
const named = (name: string, predicate: Constraint['predicate']): Constraint => ({
  selector: { attribute_name: name },
  predicate,
});
const pseudo = (type: 'HOSTNAME' | 'REGION' | 'ZONE', predicate: Constraint['predicate']): Constraint => ({
  selector: { pseudoattribute_type: type },
  predicate,
});

const agents: Record<string, AgentInfo> = {
  a: {
    hostname: 'host-a.example',
    resources: [],
    attributes: [
      { name: 'rack', type: 'TEXT', text: { value: 'r1' } },
      { name: 'cores', type: 'SCALAR', scalar: { value: 8 } },
    ],
    domain: { fault_domain: { region: { name: 'eu' }, zone: { name: 'eu-1' } } },
  },
  b: { hostname: 'host-b.example', resources: [], attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r2' } }] },
  c: { hostname: 'host-c.example', resources: [] },
};

/** The agents (of a, b, c) that `groups` lets through for role 'r'. */
function allowed(groups: Constraint[][]): string[] {
  const constraints = { role_constraints: { r: { groups: groups.map((g) => ({ attribute_constraints: g })) } } };
  const filter = offerConstraintsFilter(constraints, (id) => agents[id]);
  return Object.keys(agents).filter((id) => !filter?.excludes('r', id));
}

describe('local offer constraints', () => {
  it('exists / not_exists', () => {
    expect(allowed([[named('rack', { exists: {} })]])).to.deep.equal(['a', 'b']);
    expect(allowed([[named('rack', { not_exists: {} })]])).to.deep.equal(['c']);
  });

  it('text_equals / text_not_equals: absent attributes fail the first and pass the second', () => {
    expect(allowed([[named('rack', { text_equals: { value: 'r1' } })]])).to.deep.equal(['a']);
    expect(allowed([[named('rack', { text_not_equals: { value: 'r1' } })]])).to.deep.equal(['b', 'c']);
  });

  it('text_matches / text_not_matches match the whole value', () => {
    expect(allowed([[named('rack', { text_matches: { regex: 'r[12]' } })]])).to.deep.equal(['a', 'b']);
    expect(allowed([[named('rack', { text_matches: { regex: 'r' } })]])).to.deep.equal([]);
    expect(allowed([[named('rack', { text_not_matches: { regex: 'r1|r3' } })]])).to.deep.equal(['b', 'c']);
  });

  it('text predicates hold for a non-TEXT attribute', () => {
    expect(allowed([[named('cores', { text_equals: { value: 'x' } })]])).to.deep.equal(['a']);
    expect(allowed([[named('cores', { text_not_equals: { value: 'x' } })]])).to.deep.equal(['a', 'b', 'c']);
  });

  it('pseudoattributes: HOSTNAME always, REGION and ZONE only with a fault domain', () => {
    expect(allowed([[pseudo('HOSTNAME', { text_matches: { regex: 'host-[ab]\\.example' } })]])).to.deep.equal([
      'a',
      'b',
    ]);
    expect(allowed([[pseudo('REGION', { exists: {} })]])).to.deep.equal(['a']);
    expect(allowed([[pseudo('ZONE', { text_equals: { value: 'eu-1' } })]])).to.deep.equal(['a']);
  });

  it('groups are ORed, the constraints inside a group ANDed; other roles are not constrained', () => {
    const rackR1AndEu = [
      named('rack', { text_equals: { value: 'r1' } }),
      pseudo('REGION', { text_equals: { value: 'us' } }),
    ];
    expect(allowed([rackR1AndEu])).to.deep.equal([]);
    expect(allowed([rackR1AndEu, [named('rack', { not_exists: {} })]])).to.deep.equal(['c']);
    const filter = offerConstraintsFilter(
      { role_constraints: { r: { groups: [{ attribute_constraints: [named('rack', { not_exists: {} })] }] } } },
      (id) => agents[id],
    );
    expect(filter?.excludes('other', 'a')).to.equal(false);
    expect(filter?.excludes('r', 'unknown-agent')).to.equal(false);
    expect(offerConstraintsFilter({}, (id) => agents[id])).to.equal(undefined);
  });

  it('validation: roles of the framework, non-empty groups, one predicate, compilable regexes', () => {
    const one = (c: Constraint) => ({ role_constraints: { r: { groups: [{ attribute_constraints: [c] }] } } });
    expect(offerConstraintsProblem(undefined, ['r'])).to.equal(undefined);
    expect(offerConstraintsProblem(one(named('x', { exists: {} })), ['r'])).to.equal(undefined);
    // Mesos's texts, their missing spaces included.
    expect(offerConstraintsProblem(one(named('x', { exists: {} })), ['s'])).to.equal(
      "Offer constraints specify `role_constraints` for a role 'r'not contained in the set of roles",
    );
    expect(offerConstraintsProblem({ role_constraints: { r: { groups: [] } } }, ['r'])).to.equal(
      "Offer constraints are not valid: 'OfferConstraints::role_constraints' has an empty 'RoleConstraints::groups' for role r",
    );
    expect(offerConstraintsProblem({ role_constraints: { r: { groups: [{}] } } }, ['r'])).to.equal(
      "Offer constraints are not valid: 'OfferConstraints::RoleConstraints::groups' for role rcontains an empty RoleConstraints::Group",
    );
    const invalid = "Offer constraints are not valid: A role r has an invalid 'AttributeConstraint': ";
    expect(offerConstraintsProblem(one(named('x', {})), ['r'])).to.equal(`${invalid}Unknown predicate type`);
    expect(offerConstraintsProblem(one(named('x', { exists: {}, not_exists: {} })), ['r'])).to.match(/exactly one/);
    expect(offerConstraintsProblem(one({ selector: {}, predicate: { exists: {} } }), ['r'])).to.equal(
      `${invalid}Exactly one of 'AttributeConstraint::Selector::name' or 'AttributeConstraint::Selector::pseudoattribute_type' must be set`,
    );
    expect(
      offerConstraintsProblem(one({ selector: { pseudoattribute_type: 'UNKNOWN' }, predicate: { exists: {} } }), ['r']),
    ).to.equal(`${invalid}Unknown pseudoattribute type`);
    expect(offerConstraintsProblem(one(named('x', { text_matches: { regex: '(' } })), ['r'])).to.equal(
      "Offer constraints are not valid: A role r has an invalid 'AttributeConstraint': " +
        "Failed to construct regex from pattern '(': missing ): (",
    );
  });
});
