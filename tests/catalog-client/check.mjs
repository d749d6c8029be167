// check.mjs drives callboard's catalog API with Backstage's own client,
// @backstage/catalog-client, unchanged, and asserts on the demo catalog
// (demo/catalog: Lanting Pay). run.sh starts a fresh callboard and sets
// CALLBOARD_URL; to run by hand against `callboard serve`:
//
//   CALLBOARD_URL=http://127.0.0.1:7007 node --test check.mjs
//
// The tests run in order (node:test runs a file's tests serially): reads
// first, then the ones that register, refresh and delete.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { CatalogClient, CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';

const base = (process.env.CALLBOARD_URL ?? '').replace(/\/+$/, '');

// serveDir serves dir's files over HTTP on 127.0.0.1 (run.sh lets callboard
// read that host): registered locations are URLs, as callboard refuses file
// locations from the API, like Backstage's default reader rules.
async function serveDir(dir) {
  const server = createServer(async (req, res) => {
    try {
      const body = await readFile(join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '').replace(/\.\./g, '')));
      res.writeHead(200, { 'Content-Type': 'text/yaml' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  return { server, url: name => `http://127.0.0.1:${server.address().port}/${name}` };
}
if (!base) {
  throw new Error('set CALLBOARD_URL, e.g. http://127.0.0.1:7007');
}

const client = new CatalogClient({
  discoveryApi: { getBaseUrl: async () => `${base}/api/catalog` },
  fetchApi: { fetch },
});

// The demo catalog, as written in demo/catalog.
const demo = {
  counts: { Component: 9, API: 3, Group: 9, User: 21, Resource: 8, System: 4, Domain: 3 },
  components: [
    'api-gateway', 'checkout-web', 'lanting-go-kit', 'legacy-settlement', 'notification-service',
    'order-service', 'payment-outbox-relay', 'payment-service', 'risk-engine',
  ],
  paymentsTeamMembers: ['li.na', 'liu.yang', 'sarah.chen', 'wang.fang', 'zhang.wei'],
};

const names = items => items.map(e => e.metadata.name);
const sorted = xs => [...xs].sort();
const hasRelation = (entity, type, targetRef) =>
  (entity.relations ?? []).some(r => r.type === type && r.targetRef === targetRef);

// rejectsWith checks that fn fails with the client's ResponseError carrying
// the given HTTP status and Backstage error name.
async function rejectsWith(fn, statusCode, name) {
  await assert.rejects(fn, err => {
    assert.ok(ResponseError.is(err), `want a ResponseError, got ${err?.name}: ${err?.message}`);
    assert.equal(err.statusCode, statusCode, `statusCode (body: ${JSON.stringify(err.body)})`);
    assert.equal(err.body?.error?.name, name, 'body.error.name');
    assert.equal(err.cause?.name, name, 'cause.name');
    assert.equal(typeof err.cause?.message, 'string');
    assert.equal(err.body?.response?.statusCode, statusCode, 'body.response.statusCode');
    return true;
  });
}

// waitFor polls until fn returns a truthy value: Backstage processes
// asynchronously, callboard promises visibility within a second.
async function waitFor(what, fn, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

describe('getEntities', () => {
  test('filter by kind returns exactly the demo components', async () => {
    const { items } = await client.getEntities({ filter: { kind: 'Component' } });
    assert.deepEqual(sorted(names(items)), demo.components);
    for (const e of items) {
      assert.equal(e.kind, 'Component');
      assert.equal(e.apiVersion, 'backstage.io/v1alpha1');
      assert.equal(e.metadata.namespace, 'default');
      assert.match(e.metadata.uid, /\S/);
      assert.match(e.metadata.etag, /\S/);
    }
  });

  test('counts per kind match the demo', async () => {
    for (const [kind, want] of Object.entries(demo.counts)) {
      const { items } = await client.getEntities({ filter: { kind }, fields: ['kind'] });
      assert.equal(items.length, want, `kind ${kind}`);
    }
  });

  test('filter values are case-insensitive', async () => {
    const { items } = await client.getEntities({ filter: { kind: 'component', 'metadata.name': 'PAYMENT-SERVICE' } });
    assert.deepEqual(names(items), ['payment-service']);
  });

  test('OR of two filter objects, AND inside each', async () => {
    const { items } = await client.getEntities({
      filter: [
        { kind: 'Group', 'metadata.name': 'payments-team' },
        { kind: 'User', 'metadata.name': 'chen.jing' },
      ],
    });
    assert.deepEqual(sorted(items.map(e => stringifyEntityRef(e))), ['group:default/payments-team', 'user:default/chen.jing']);
  });

  test('a key with several values is an OR on that key', async () => {
    const { items } = await client.getEntities({ filter: { kind: 'Domain', 'metadata.name': ['payments', 'commerce'] } });
    assert.deepEqual(sorted(names(items)), ['commerce', 'payments']);
  });

  test('CATALOG_FILTER_EXISTS, tags and annotation keys', async () => {
    const { items } = await client.getEntities({
      filter: { kind: 'Component', 'metadata.annotations.backstage.io/techdocs-ref': CATALOG_FILTER_EXISTS },
    });
    assert.deepEqual(sorted(names(items)), ['order-service', 'payment-service']);
    const tagged = await client.getEntities({ filter: { kind: 'Component', 'metadata.tags': 'python' } });
    assert.deepEqual(names(tagged.items), ['risk-engine']);
    const labelled = await client.getEntities({ filter: { 'metadata.labels.pci-scope': 'true' } });
    assert.ok(names(labelled.items).includes('payment-service'));
  });

  test('filter on relations', async () => {
    const { items } = await client.getEntities({
      filter: { kind: 'User', 'relations.memberOf': 'group:default/payments-team' },
    });
    assert.deepEqual(sorted(names(items)), demo.paymentsTeamMembers);
    const owned = await client.getEntities({
      filter: { kind: 'Component', 'relations.ownedBy': 'group:default/payments-team' },
    });
    assert.deepEqual(sorted(names(owned.items)), ['legacy-settlement', 'payment-outbox-relay', 'payment-service', 'risk-engine']);
  });

  test('fields keeps only the named paths', async () => {
    const { items } = await client.getEntities({
      filter: { kind: 'Component', 'metadata.name': 'payment-service' },
      fields: ['kind', 'metadata.name', 'spec.owner'],
    });
    assert.deepEqual(items, [{ kind: 'Component', metadata: { name: 'payment-service' }, spec: { owner: 'group:payments-team' } }]);
  });

  test('order, limit and offset', async () => {
    const all = await client.getEntities({
      filter: { kind: 'User' },
      fields: ['metadata.name'],
      order: { field: 'metadata.name', order: 'desc' },
    });
    const desc = names(all.items);
    assert.equal(desc.length, demo.counts.User);
    assert.deepEqual(desc, sorted(desc).reverse());

    const page = async offset => names((await client.getEntities({
      filter: { kind: 'User' },
      fields: ['metadata.name'],
      order: [{ field: 'metadata.name', order: 'asc' }],
      limit: 8,
      offset,
    })).items);
    const asc = sorted(desc);
    assert.deepEqual(await page(0), asc.slice(0, 8));
    assert.deepEqual(await page(8), asc.slice(8, 16));
    assert.deepEqual(await page(16), asc.slice(16));
  });

  test('an invalid limit is a 400 InputError', async () => {
    await rejectsWith(() => client.getEntities({ limit: 0 }), 400, 'InputError');
  });
});

describe('getEntitiesByRefs', () => {
  const refs = [
    'component:default/payment-service',
    'group:default/payments-team',
    'component:default/no-such-service',
    'api:default/payment-api',
  ];

  test('answers in request order, undefined for missing', async () => {
    const { items } = await client.getEntitiesByRefs({ entityRefs: refs });
    assert.equal(items.length, refs.length);
    assert.deepEqual(items.map(e => (e ? stringifyEntityRef(e) : undefined)), [refs[0], refs[1], undefined, refs[3]]);
  });

  test('with fields and filter', async () => {
    const { items } = await client.getEntitiesByRefs({
      entityRefs: refs,
      fields: ['kind', 'metadata.name'],
      filter: { kind: 'Component' },
    });
    assert.deepEqual(items, [{ kind: 'Component', metadata: { name: 'payment-service' } }, undefined, undefined, undefined]);
  });

  test('no refs gives no items', async () => {
    assert.deepEqual(await client.getEntitiesByRefs({ entityRefs: [] }), { items: [] });
  });
});

describe('queryEntities', () => {
  test('filter, orderFields, limit; nextCursor forward and prevCursor back', async () => {
    const first = await client.queryEntities({
      filter: { kind: 'User' },
      orderFields: { field: 'metadata.name', order: 'asc' },
      limit: 5,
    });
    assert.equal(first.totalItems, demo.counts.User);
    assert.equal(first.items.length, 5);
    assert.deepEqual(names(first.items), sorted(names(first.items)));
    assert.ok(first.pageInfo.nextCursor, 'first page has nextCursor');
    assert.equal(first.pageInfo.prevCursor, undefined, 'first page has no prevCursor');

    const second = await client.queryEntities({ cursor: first.pageInfo.nextCursor, limit: 5 });
    assert.equal(second.totalItems, demo.counts.User);
    assert.equal(second.items.length, 5);
    assert.ok(names(first.items).at(-1) < names(second.items)[0], 'second page continues the order');
    assert.ok(second.pageInfo.prevCursor, 'second page has prevCursor');

    const back = await client.queryEntities({ cursor: second.pageInfo.prevCursor, limit: 5 });
    assert.deepEqual(names(back.items), names(first.items));

    // Walk every page: each user exactly once, in order.
    let seen = [...names(first.items)];
    let page = first;
    while (page.pageInfo.nextCursor) {
      page = await client.queryEntities({ cursor: page.pageInfo.nextCursor, limit: 5 });
      seen.push(...names(page.items));
    }
    assert.equal(seen.length, demo.counts.User);
    assert.deepEqual(seen, sorted(new Set(seen)));
  });

  test('orderFields desc and fields', async () => {
    const res = await client.queryEntities({
      filter: { kind: 'Group' },
      orderFields: [{ field: 'metadata.name', order: 'desc' }],
      fields: ['metadata.name'],
      limit: 50,
    });
    assert.equal(res.totalItems, demo.counts.Group);
    assert.deepEqual(names(res.items), sorted(names(res.items)).reverse());
    for (const e of res.items) assert.deepEqual(Object.keys(e), ['metadata']);
    assert.equal(res.pageInfo.nextCursor, undefined);
  });

  test('fullTextFilter, case-insensitive substring', async () => {
    const res = await client.queryEntities({
      filter: { kind: 'Component' },
      fullTextFilter: { term: 'PAYMENT', fields: ['metadata.name'] },
      orderFields: { field: 'metadata.name', order: 'asc' },
    });
    assert.equal(res.totalItems, 2);
    assert.deepEqual(names(res.items), ['payment-outbox-relay', 'payment-service']);
  });

  test('no arguments pages the whole catalog with the default limit', async () => {
    const res = await client.queryEntities();
    assert.ok(res.totalItems >= Object.values(demo.counts).reduce((a, b) => a + b), `totalItems ${res.totalItems}`);
    assert.equal(res.items.length, 20);
    assert.ok(res.pageInfo.nextCursor);
  });

  test('a malformed cursor is a 400 InputError', async () => {
    await rejectsWith(() => client.queryEntities({ cursor: 'not-a-cursor' }), 400, 'InputError');
  });
});

describe('streamEntities', { skip: typeof client.streamEntities !== 'function' && 'not in this client version' }, () => {
  test('iterates every page', async () => {
    const pages = [];
    for await (const page of client.streamEntities({
      filter: { kind: 'User' },
      orderFields: { field: 'metadata.name', order: 'asc' },
      pageSize: 4,
    })) {
      pages.push(page);
    }
    assert.equal(pages.length, Math.ceil(demo.counts.User / 4));
    for (const p of pages) assert.ok(p.length <= 4);
    const all = names(pages.flat());
    assert.equal(all.length, demo.counts.User);
    assert.deepEqual(all, sorted(new Set(all)));
  });
});

describe('getEntityByRef', () => {
  test('string form: payment-service with its relations both ways', async () => {
    const e = await client.getEntityByRef('component:default/payment-service');
    assert.ok(e);
    assert.equal(e.metadata.title, '支付服务');
    assert.equal(e.spec.owner, 'group:payments-team');
    assert.deepEqual(e.spec.providesApis, ['payment-api']);
    assert.deepEqual(sorted(e.metadata.tags), ['go', 'kafka', 'payments']);
    assert.equal(e.metadata.annotations['backstage.io/techdocs-ref'], 'dir:.');
    for (const [type, target] of [
      ['ownedBy', 'group:default/payments-team'],
      ['providesApi', 'api:default/payment-api'],
      ['consumesApi', 'api:default/order-api'],
      ['partOf', 'system:default/payment-system'],
      ['dependsOn', 'resource:default/payment-db'],
      ['dependsOn', 'component:default/order-service'],
    ]) {
      assert.ok(hasRelation(e, type, target), `payment-service ${type} ${target}; got ${JSON.stringify(e.relations)}`);
    }

    const team = await client.getEntityByRef('group:default/payments-team');
    assert.ok(hasRelation(team, 'ownerOf', 'component:default/payment-service'));
    assert.ok(hasRelation(team, 'ownerOf', 'api:default/payment-api'));
    assert.ok(hasRelation(team, 'childOf', 'group:default/engineering'));
    for (const m of demo.paymentsTeamMembers) assert.ok(hasRelation(team, 'hasMember', `user:default/${m}`), m);

    const api = await client.getEntityByRef('api:default/payment-api');
    assert.ok(hasRelation(api, 'apiProvidedBy', 'component:default/payment-service'));
    assert.equal(typeof api.spec.definition, 'string', '$text is resolved to the file content');
    assert.match(api.spec.definition, /openapi/);

    const orders = await client.getEntityByRef('component:default/order-service');
    assert.ok(hasRelation(orders, 'dependencyOf', 'component:default/payment-service'));

    const user = await client.getEntityByRef('user:default/zhang.wei');
    assert.ok(hasRelation(user, 'memberOf', 'group:default/payments-team'));
  });

  test('object form, default namespace and case-insensitive match', async () => {
    const byObject = await client.getEntityByRef({ kind: 'Component', namespace: 'default', name: 'payment-service' });
    assert.equal(byObject?.metadata.name, 'payment-service');
    const short = await client.getEntityByRef('component:payment-service');
    assert.equal(short?.metadata.uid, byObject.metadata.uid);
    const mixed = await client.getEntityByRef('Component:Default/Payment-Service');
    assert.equal(mixed?.metadata.uid, byObject.metadata.uid);
  });

  test('a missing entity is undefined', async () => {
    assert.equal(await client.getEntityByRef('component:default/no-such-service'), undefined);
    assert.equal(await client.getEntityByRef({ kind: 'group', namespace: 'elsewhere', name: 'payments-team' }), undefined);
  });

  test('deprecated getEntityByName still works', async () => {
    const e = await client.getEntityByName({ kind: 'Group', namespace: 'default', name: 'payments-team' });
    assert.equal(e?.spec.profile.email, 'payments-team@lanting.example');
  });
});

describe('getEntityAncestors', () => {
  test('payment-service up to its root location', async () => {
    const res = await client.getEntityAncestors({ entityRef: 'component:default/payment-service' });
    assert.match(res.rootEntityRef, /^location:/);
    const byRef = new Map(res.items.map(i => [stringifyEntityRef(i.entity), i]));
    assert.ok(byRef.has('component:default/payment-service'), `items: ${[...byRef.keys()]}`);
    assert.ok(byRef.has(res.rootEntityRef), 'the root is among the items');
    assert.deepEqual(byRef.get(res.rootEntityRef).parentEntityRefs, []);
    assert.ok(byRef.get('component:default/payment-service').parentEntityRefs.length > 0);
    for (const item of res.items) {
      for (const p of item.parentEntityRefs) assert.ok(byRef.has(p), `parent ${p} of ${stringifyEntityRef(item.entity)} listed`);
    }
    // The demo's root descriptor (kind Location, lanting-pay) is on the way.
    assert.ok(byRef.has('location:default/lanting-pay'), `items: ${[...byRef.keys()]}`);
  });

  test('a missing entity is a 404 NotFoundError', async () => {
    await rejectsWith(() => client.getEntityAncestors({ entityRef: 'component:default/no-such-service' }), 404, 'NotFoundError');
  });
});

describe('getEntityFacets', () => {
  test('kind, spec.type and tags agree with getEntities', async () => {
    const { facets } = await client.getEntityFacets({ facets: ['kind', 'spec.type', 'metadata.tags'] });
    const kinds = Object.fromEntries(facets.kind.map(f => [f.value, f.count]));
    for (const [kind, want] of Object.entries(demo.counts)) assert.equal(kinds[kind], want, `kind ${kind}`);
    const kafka = facets['metadata.tags'].find(f => f.value === 'kafka');
    const tagged = await client.getEntities({ filter: { 'metadata.tags': 'kafka' }, fields: ['kind'] });
    assert.equal(kafka?.count, tagged.items.length);
    assert.ok(facets['spec.type'].some(f => f.value === 'service'));
  });

  test('with a filter', async () => {
    const { facets } = await client.getEntityFacets({ facets: ['spec.type', 'spec.owner'], filter: { kind: 'Component' } });
    const types = Object.fromEntries(facets['spec.type'].map(f => [f.value, f.count]));
    assert.deepEqual(types, { service: 7, website: 1, library: 1 });
    const owners = Object.fromEntries(facets['spec.owner'].map(f => [f.value, f.count]));
    assert.equal(owners['group:payments-team'], 4);
  });
});

describe('validateEntity', () => {
  const location = 'url:https://github.com/lanting-pay/example/blob/main/catalog-info.yaml';

  test('a valid entity', async () => {
    const res = await client.validateEntity({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'valid-service' },
      spec: { type: 'service', lifecycle: 'production', owner: 'group:default/payments-team' },
    }, location);
    assert.deepEqual(res, { valid: true });
  });

  test('an invalid entity lists its errors', async () => {
    const res = await client.validateEntity({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'Not A Valid Name!' },
      spec: { type: 'service', owner: 'payments-team' },
    }, location);
    assert.equal(res.valid, false);
    assert.ok(res.errors.length >= 1);
    for (const e of res.errors) {
      assert.equal(typeof e.name, 'string');
      assert.equal(typeof e.message, 'string');
    }
    assert.ok(res.errors.some(e => /name/i.test(e.message)), JSON.stringify(res.errors));
  });
});

describe('locations', () => {
  let dir;
  let files;
  let file; // the descriptor on disk; target is its URL
  let target;
  let extraTarget;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'callboard-catalog-client-'));
    files = await serveDir(dir);
    file = join(dir, 'catalog-info.yaml');
    target = files.url('catalog-info.yaml');
    extraTarget = files.url('extra.yaml');
    await writeFile(file, `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: cc-check-service
  description: Registered by tests/catalog-client/check.mjs
  tags: [catalog-client-check]
spec:
  type: service
  lifecycle: experimental
  owner: group:default/payments-team
  system: payment-system
  providesApis: [cc-check-api]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: cc-check-api
spec:
  type: openapi
  lifecycle: experimental
  owner: payments-team
  definition: |
    openapi: 3.0.0
    info: {title: cc-check-api, version: "1"}
    paths: {}
`);
    await writeFile(join(dir, 'extra.yaml'), `apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: cc-check-bucket
spec:
  type: s3-bucket
  owner: group:default/platform-team
`);
  });

  after(async () => {
    files?.server.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('getLocations lists {id, type, target}', async () => {
    const { items } = await client.getLocations();
    assert.ok(Array.isArray(items));
    for (const l of items) {
      assert.equal(typeof l.id, 'string');
      assert.equal(typeof l.type, 'string');
      assert.equal(typeof l.target, 'string');
    }
  });

  test('file locations are refused from the API (only catalog.locations may name server paths)', async () => {
    await rejectsWith(() => client.addLocation({ type: 'file', target: file, dryRun: true }), 400, 'InputError');
  });

  test('analyzeLocation of a URL descriptor', async () => {
    const res = await client.analyzeLocation({ location: { type: 'url', target } });
    const found = res.existingEntityFiles.map(f => stringifyEntityRef(f.entity));
    assert.ok(found.includes('component:default/cc-check-service'), `found ${found}`);
    assert.ok(res.existingEntityFiles.every(f => f.isRegistered === false));
  });

  let location;

  test('addLocation dryRun stores nothing', async () => {
    const res = await client.addLocation({ type: 'url', target, dryRun: true });
    assert.equal(res.location.type, 'url');
    assert.equal(res.location.target, target);
    assert.equal(res.exists, false);
    const refs = res.entities.map(e => stringifyEntityRef(e));
    assert.ok(refs.includes('component:default/cc-check-service'), `entities: ${refs}`);
    assert.ok(refs.includes('api:default/cc-check-api'), `entities: ${refs}`);
    assert.ok(refs.some(r => r.startsWith('location:')), `a Location entity for the new location: ${refs}`);
    assert.equal(await client.getEntityByRef('component:default/cc-check-service'), undefined);
    const { items } = await client.getLocations();
    assert.ok(!items.some(l => l.target === target));
  });

  test('addLocation for real, then read it back every way', async () => {
    const res = await client.addLocation({ type: 'url', target });
    location = res.location;
    assert.match(location.id, /\S/);
    assert.equal(location.type, 'url');
    assert.equal(location.target, target);

    const e = await waitFor('cc-check-service', () => client.getEntityByRef('component:default/cc-check-service'));
    assert.ok(hasRelation(e, 'ownedBy', 'group:default/payments-team'));
    assert.ok(hasRelation(e, 'providesApi', 'api:default/cc-check-api'));
    assert.ok(hasRelation(e, 'partOf', 'system:default/payment-system'));
    const team = await waitFor('payments-team ownerOf cc-check-service', async () => {
      const t = await client.getEntityByRef('group:default/payments-team');
      return hasRelation(t, 'ownerOf', 'component:default/cc-check-service') && t;
    });
    assert.ok(team);
    assert.equal(e.metadata.annotations['backstage.io/managed-by-location'], `url:${target}`);
    assert.equal(e.metadata.annotations['backstage.io/managed-by-origin-location'], `url:${target}`);

    assert.deepEqual(await client.getLocationById(location.id), location);
    assert.deepEqual(await client.getLocationByRef(`url:${target}`), location);
    assert.deepEqual(await client.getLocationByEntity('component:default/cc-check-service'), location);
    assert.deepEqual(await client.getLocationByEntity({ kind: 'API', namespace: 'default', name: 'cc-check-api' }), location);
    const { items } = await client.getLocations();
    assert.deepEqual(items.filter(l => l.target === target), [location]);
  });

  test('adding it again is a 409 ConflictError; dryRun says it exists', async () => {
    await rejectsWith(() => client.addLocation({ type: 'url', target }), 409, 'ConflictError');
    const dry = await client.addLocation({ type: 'url', target, dryRun: true });
    assert.equal(dry.exists, true);
  });

  test('missing locations', async () => {
    assert.equal(await client.getLocationById('00000000-0000-4000-8000-000000000000'), undefined);
    assert.equal(await client.getLocationByRef('file:/no/such/catalog-info.yaml'), undefined);
    assert.equal(await client.getLocationByEntity('component:default/no-such-service'), undefined);
  });

  test('refreshEntity', async () => {
    await client.refreshEntity('component:default/payment-service');
    await client.refreshEntity('component:default/cc-check-service');
    // Refreshing re-reads the file: a changed description shows up.
    const text = await readFile(file, 'utf8');
    // Written whole (temp file, then rename), as an editor or git does: the
    // first refresh may still be reading, and must not see it half written.
    await writeFile(file + '.tmp', text.replace('Registered by', 'Refreshed by'));
    await rename(file + '.tmp', file);
    await client.refreshEntity('component:default/cc-check-service');
    await waitFor('refreshed description', async () =>
      (await client.getEntityByRef('component:default/cc-check-service'))?.metadata.description === 'Refreshed by tests/catalog-client/check.mjs');
    // Backstage looks up the entity's ancestors first: NotFoundError.
    await rejectsWith(() => client.refreshEntity('component:default/no-such-service'), 404, 'NotFoundError');
  });

  test('removeEntityByUid', async () => {
    const extra = await client.addLocation({ type: 'url', target: extraTarget });
    try {
      const bucket = await waitFor('cc-check-bucket', () => client.getEntityByRef('resource:default/cc-check-bucket'));
      await client.removeEntityByUid(bucket.metadata.uid);
      assert.equal(await client.getEntityByRef('resource:default/cc-check-bucket'), undefined);
    } finally {
      await client.removeLocationById(extra.location.id);
    }
  });

  test('removeEntityByUid of an unknown uid resolves, as in Backstage', async () => {
    // Backstage deletes by uid without looking first (DefaultEntitiesCatalog
    // .removeEntityByUid), so an unknown uid is a 204 and the client resolves.
    await client.removeEntityByUid('00000000-0000-4000-8000-000000000000');
  });

  test('removeLocationById deletes its entities', async () => {
    await client.removeLocationById(location.id);
    assert.equal(await client.getLocationById(location.id), undefined);
    await waitFor('cc-check-service gone', async () =>
      (await client.getEntityByRef('component:default/cc-check-service')) === undefined);
    assert.equal(await client.getEntityByRef('api:default/cc-check-api'), undefined);
    const team = await client.getEntityByRef('group:default/payments-team');
    assert.ok(!hasRelation(team, 'ownerOf', 'component:default/cc-check-service'));
    await rejectsWith(() => client.removeLocationById(location.id), 404, 'NotFoundError');
  });
});

describe('demo catalog is intact after the writes', () => {
  test('counts per kind', async () => {
    const { facets } = await client.getEntityFacets({ facets: ['kind'] });
    const kinds = Object.fromEntries(facets.kind.map(f => [f.value, f.count]));
    for (const [kind, want] of Object.entries(demo.counts)) assert.equal(kinds[kind], want, `kind ${kind}`);
  });
});

describe('predicate queries (the newer POST endpoints)', () => {
  test('queryEntities with a predicate query pages with cursors', async () => {
    const query = { $all: [{ kind: 'Component' }, { $not: { 'spec.lifecycle': 'deprecated' } }] };
    const first = await client.queryEntities({ query, limit: 3, orderFields: { field: 'metadata.name', order: 'asc' } });
    const all = await client.queryEntities({ query, limit: 100 });
    assert.equal(first.totalItems, all.totalItems);
    assert.ok(first.totalItems < demo.counts.Component, 'the deprecated component is excluded');
    assert.deepEqual(names(first.items), sorted(names(first.items)));
    assert.ok(first.pageInfo.nextCursor, 'a next page exists');
    const second = await client.queryEntities({ cursor: first.pageInfo.nextCursor, limit: 3 });
    assert.equal(second.items.length, Math.min(3, first.totalItems - 3));
    assert.ok(names(second.items)[0] > names(first.items)[2], 'the second page continues in order');
    const back = await client.queryEntities({ cursor: second.pageInfo.prevCursor, limit: 3 });
    assert.deepEqual(names(back.items), names(first.items));
  });
  test('queryEntities combines filter and query, with $in and $exists', async () => {
    const res = await client.queryEntities({
      filter: { kind: 'Component' },
      query: { 'spec.type': { $in: ['service', 'website'] }, 'metadata.annotations.github.com/project-slug': { $exists: true } },
      limit: 100,
    });
    assert.ok(res.totalItems > 0);
    for (const e of res.items) {
      assert.equal(e.kind, 'Component');
      assert.ok(['service', 'website'].includes(e.spec.type));
    }
  });
  test('getEntityFacets with a predicate query (POST /entity-facets)', async () => {
    const { facets } = await client.getEntityFacets({ facets: ['kind'], query: { kind: 'Component' } });
    assert.deepEqual(facets.kind, [{ value: 'Component', count: demo.counts.Component }]);
  });
  test('queryLocations (POST /locations/by-query)', async () => {
    const res = await client.queryLocations({ limit: 10 });
    assert.ok(Array.isArray(res.items));
    assert.equal(typeof res.totalItems, 'number');
  });
});

// PUT /locations/{id}: newer than most Backstage deployments.
describe('updateLocation', () => {
  test('updateLocation (PUT /locations/{id})', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'callboard-catalog-client-'));
    const files = await serveDir(dir);
    try {
      const [a, b] = [files.url('a.yaml'), files.url('b.yaml')];
      for (const [f, name] of [[join(dir, 'a.yaml'), 'cc-update-a'], [join(dir, 'b.yaml'), 'cc-update-b']]) {
        await writeFile(f, `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: ${name}}\nspec: {type: service, lifecycle: experimental, owner: payments-team}\n`);
      }
      const { location } = await client.addLocation({ type: 'url', target: a });
      try {
        const updated = await client.updateLocation(location.id, { type: 'url', target: b });
        assert.deepEqual(updated, { id: location.id, type: 'url', target: b });
      } finally {
        await client.removeLocationById(location.id);
      }
    } finally {
      files.server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
