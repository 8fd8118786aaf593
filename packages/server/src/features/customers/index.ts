// Customers: the people a helpdesk verifies, their import from CSV and provisioning by SCIM.
// What other features may use.
export { normalisePhone } from './customers.ts';
