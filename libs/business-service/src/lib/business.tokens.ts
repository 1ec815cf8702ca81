/** Injection token of the business service's TypeORM DataSource. */
export const BUSINESS_DATA_SOURCE = Symbol('BUSINESS_DATA_SOURCE');

/** Injection token of the internal credential the business service serves and calls with. */
export const BUSINESS_INTERNAL_SECRET = Symbol('BUSINESS_INTERNAL_SECRET');

/** Injection token of the ClientGrpc (ClientsModule) of the logic service. */
export const LOGIC_GRPC = Symbol('LOGIC_GRPC');
