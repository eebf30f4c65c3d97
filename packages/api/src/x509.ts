/**
 * @module x509: @peculiar/x509 with the Reflect metadata polyfill its dependency injection (tsyringe) needs loaded
 * first. Import certificates and CSRs from here (`import { x509 } from '@skiff/api'`), never from the package itself.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

export { x509 };
