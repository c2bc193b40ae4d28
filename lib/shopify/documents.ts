/**
 * Every GraphQL document the app sends to Shopify's Admin API, pinned to the version in config.
 * The tests validate each against Shopify's Admin schema for that version, and check that the
 * inventory mutations carry `@idempotent` (required since 2026-04; Shopify only notices its
 * absence at run time).
 */

export const LOCATIONS = /* GraphQL */ `
  query Locations {
    locations(first: 10, query: "active:true") {
      nodes { id name isActive }
    }
  }`;

const PRODUCT_SET_RESULT = `
    product {
      id
      updatedAt
      variants(first: 1) { nodes { id inventoryItem { id } inventoryQuantity } }
    }
    userErrors { field message code }`;

/** Upserts one item's product by its `consignment.item` metafield (`customId`). */
export const PRODUCT_SET = /* GraphQL */ `
  mutation ProductSet($identifier: ProductSetIdentifiers!, $input: ProductSetInput!) {
    productSet(identifier: $identifier, input: $input, synchronous: true) {${PRODUCT_SET_RESULT}
    }
  }`;

/** The mutation a bulk listing runs once per JSONL line (each line holds `identifier` and `input`). */
export const BULK_PRODUCT_SET = /* GraphQL */ `
  mutation ListItem($identifier: ProductSetIdentifiers!, $input: ProductSetInput!) {
    productSet(identifier: $identifier, input: $input, synchronous: true) {${PRODUCT_SET_RESULT}
    }
  }`;

/** Compare-and-set of available quantities; `key` makes a retried call harmless. */
export const SET_QUANTITIES = /* GraphQL */ `
  mutation SetQuantities($input: InventorySetQuantitiesInput!, $key: String!) {
    inventorySetQuantities(input: $input) @idempotent(key: $key) {
      inventoryAdjustmentGroup { id }
      userErrors { field message code }
    }
  }`;

/** The available quantity of inventory items at a location (to record a stale compare). */
export const AVAILABLE_QUANTITIES = /* GraphQL */ `
  query Available($ids: [ID!]!, $locationId: ID!) {
    nodes(ids: $ids) {
      ... on InventoryItem {
        id
        inventoryLevel(locationId: $locationId) { quantities(names: ["available"]) { name quantity } }
      }
    }
  }`;

export const STAGED_UPLOADS_CREATE = /* GraphQL */ `
  mutation StageUpload($input: [StagedUploadInput!]!) {
    stagedUploadsCreate(input: $input) {
      stagedTargets { url resourceUrl parameters { name value } }
      userErrors { field message }
    }
  }`;

export const BULK_RUN_MUTATION = /* GraphQL */ `
  mutation RunBulk($mutation: String!, $path: String!, $clientIdentifier: String) {
    bulkOperationRunMutation(mutation: $mutation, stagedUploadPath: $path, clientIdentifier: $clientIdentifier) {
      bulkOperation { id status }
      userErrors { field message code }
    }
  }`;

export const BULK_OPERATION = /* GraphQL */ `
  query BulkOperation($id: ID!) {
    bulkOperation(id: $id) { id status errorCode objectCount url partialDataUrl }
  }`;

/** The app's webhook subscriptions to one callback URI. */
export const WEBHOOK_SUBSCRIPTIONS = /* GraphQL */ `
  query Subscriptions($uri: String!) {
    webhookSubscriptions(first: 50, uri: $uri) { nodes { id topic uri } }
  }`;

export const WEBHOOK_SUBSCRIPTION_CREATE = /* GraphQL */ `
  mutation Subscribe($topic: WebhookSubscriptionTopic!, $uri: String!) {
    webhookSubscriptionCreate(topic: $topic, webhookSubscription: { uri: $uri, format: JSON }) {
      webhookSubscription { id topic }
      userErrors { field message }
    }
  }`;

/**
 * Orders changed since a time (the inbound reconcile): their lines with SKU, price and what is
 * still sold. 10 orders of up to 25 lines a page keeps a call under Shopify's 1,000-point limit;
 * an order with more lines is read on with ORDER_LINES.
 */
export const ORDERS_SINCE = /* GraphQL */ `
  query OrdersSince($query: String!, $after: String) {
    orders(first: 10, after: $after, query: $query, sortKey: UPDATED_AT) {
      nodes {
        id
        name
        updatedAt
        cancelledAt
        lineItems(first: 25) {
          nodes { id sku currentQuantity originalUnitPriceSet { shopMoney { amount } } }
          pageInfo { hasNextPage endCursor }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }`;

/** The lines of one order after a cursor, 100 a page: an order of more than 25 lines, read on. */
export const ORDER_LINES = /* GraphQL */ `
  query OrderLines($id: ID!, $after: String) {
    order(id: $id) {
      lineItems(first: 100, after: $after) {
        nodes { id sku currentQuantity originalUnitPriceSet { shopMoney { amount } } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }`;

/** Starts a bulk query (the nightly drift check reads a whole event's products this way). */
export const BULK_RUN_QUERY = /* GraphQL */ `
  mutation RunBulkQuery($query: String!) {
    bulkOperationRunQuery(query: $query, groupObjects: false) {
      bulkOperation { id status }
      userErrors { field message code }
    }
  }`;

/** The query the drift check runs in bulk: every product of an event with what the sale owns. */
export const catalogueQuery = (eventId: string) => /* GraphQL */ `
  {
    products(query: "tag:'event:${eventId}'") {
      edges { node { id title status updatedAt variants { edges { node { id sku price inventoryQuantity inventoryItem { id } } } } } }
    }
  }`;

/** Every document above, by name (for the schema check in the tests). */
export const DOCUMENTS = {
  LOCATIONS,
  PRODUCT_SET,
  BULK_PRODUCT_SET,
  SET_QUANTITIES,
  AVAILABLE_QUANTITIES,
  STAGED_UPLOADS_CREATE,
  BULK_RUN_MUTATION,
  BULK_OPERATION,
  WEBHOOK_SUBSCRIPTIONS,
  WEBHOOK_SUBSCRIPTION_CREATE,
  ORDERS_SINCE,
  ORDER_LINES,
  BULK_RUN_QUERY,
  CATALOGUE_QUERY: catalogueQuery("example-event"),
};

/** Mutations Shopify requires `@idempotent(key:)` on. */
export const IDEMPOTENT_MUTATIONS = ["inventorySetQuantities", "inventoryAdjustQuantities"];
