/**
 * Mobile push: platform applications and their device endpoints, with SNS's validation, and the pure
 * registry operations on them (SNS API reference, CreatePlatformApplication, CreatePlatformEndpoint,
 * SetPlatformApplicationAttributes, SetEndpointAttributes; SNS Developer Guide, "Mobile push
 * notifications"). No push service is ever called: deliveries go to the broker's outbox
 * (docs/SEMANTICS.md §7).
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Arn from "./Arn.js"
import { AuthorizationError, invalidParameter, type InvalidParameter, NotFound } from "./Errors.js"
import type { Changed, Registry } from "./Registry.js"
import type { RequestContext } from "./RequestContext.js"

/**
 * The push notification services SNS speaks to (CreatePlatformApplication: Platform).
 *
 * @category models
 */
export type Platform = "ADM" | "APNS" | "APNS_SANDBOX" | "BAIDU" | "GCM" | "MPNS" | "WNS"

export const platforms: ReadonlyArray<Platform> = ["ADM", "APNS", "APNS_SANDBOX", "BAIDU", "GCM", "MPNS", "WNS"] as const

/**
 * @category models
 */
export interface PlatformApplication {
  readonly arn: string
  readonly name: string
  readonly platform: Platform
  readonly accountId: string
  /** As set, credentials included; GetPlatformApplicationAttributes never shows the credentials. */
  readonly attributes: Readonly<Record<string, string>>
  readonly createdAt: number
}

/**
 * A device endpoint: `attributes` holds Token, Enabled and, when set, CustomUserData.
 *
 * @category models
 */
export interface PlatformEndpoint {
  readonly arn: string
  readonly applicationArn: string
  readonly accountId: string
  readonly attributes: Readonly<Record<string, string>>
  readonly createdAt: number
}

/** ListPlatformApplications and ListEndpointsByPlatformApplication return 100 a page. */
export const PAGE_SIZE = 100

/** The attributes SetPlatformApplicationAttributes takes (SNS API reference). */
export const applicationAttributes: ReadonlyArray<string> = [
  "PlatformCredential",
  "PlatformPrincipal",
  "EventEndpointCreated",
  "EventEndpointDeleted",
  "EventEndpointUpdated",
  "EventDeliveryFailure",
  "SuccessFeedbackRoleArn",
  "FailureFeedbackRoleArn",
  "SuccessFeedbackSampleRate",
  "ApplePlatformTeamID",
  "ApplePlatformBundleID"
] as const

/** The attributes SetEndpointAttributes takes. */
export const endpointAttributes: ReadonlyArray<string> = ["CustomUserData", "Enabled", "Token"] as const

/** CustomUserData: at most 2 KB of UTF-8 (SNS API reference, CreatePlatformEndpoint). */
const MAX_CUSTOM_USER_DATA_BYTES = 2048

const APPLICATION_NAME = /^[A-Za-z0-9_.-]{1,256}$/

const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length

/**
 * @category guards
 */
export const isPlatform = (s: string): s is Platform => (platforms as ReadonlyArray<string>).includes(s)

/**
 * `arn:aws:sns:<region>:<account>:app/<platform>/<name>`.
 *
 * @category constructors
 */
export const applicationArn = (region: string, accountId: string, platform: Platform, name: string): string =>
  `arn:aws:sns:${region}:${accountId}:app/${platform}/${name}`

/**
 * The parts of a platform application ARN, or of an endpoint ARN
 * (`…:endpoint/<platform>/<application>/<id>`).
 *
 * @category parsing
 */
export const parseResourceArn = (
  arn: string,
  kind: "app" | "endpoint",
  parameter: string
): Either.Either<{ readonly accountId: string; readonly platform: Platform; readonly name: string }, InvalidParameter> => {
  const parts = arn.split(":")
  const resource = (parts[5] ?? "").split("/")
  const length = kind === "app" ? 3 : 4
  const [prefix, , service, region, accountId] = parts
  if (
    parts.length !== 6 || prefix !== "arn" || service !== "sns" || region === "" || !/^\d{12}$/.test(accountId ?? "") ||
    resource.length !== length || resource[0] !== kind || !isPlatform(resource[1] ?? "") || resource.slice(2).some((x) => x === "")
  ) {
    return Either.left(invalidParameter(parameter, `${arn} is not a valid ${kind === "app" ? "platform application" : "endpoint"} ARN`))
  }
  return Either.right({ accountId: accountId!, platform: resource[1] as Platform, name: resource[2]! })
}

/**
 * Whether a TargetArn names a device endpoint rather than a topic.
 *
 * @category guards
 */
export const isEndpointArn = (arn: string): boolean => /^arn:[^:]+:sns:[^:]+:\d{12}:endpoint\//.test(arn)

/** One platform application attribute's value checked. */
const validateApplicationAttribute = (name: string, value: string): Either.Either<string, InvalidParameter> => {
  const bad = (reason: string) => Either.left(invalidParameter("Attributes", reason))
  switch (name) {
    case "EventEndpointCreated":
    case "EventEndpointDeleted":
    case "EventEndpointUpdated":
    case "EventDeliveryFailure":
      return value === "" ? Either.right(value) : Either.map(Arn.parseTopicArn(value, name), () => value)
    case "SuccessFeedbackRoleArn":
    case "FailureFeedbackRoleArn":
      return value === "" || Arn.isIamRoleArn(value) ? Either.right(value) : bad(`${name} must be an IAM role ARN`)
    case "SuccessFeedbackSampleRate":
      return /^\d+$/.test(value) && Number(value) <= 100 ? Either.right(value) : bad("SuccessFeedbackSampleRate must be an integer from 0 to 100")
    default:
      return applicationAttributes.includes(name) ? Either.right(value) : bad(`Invalid attribute name: ${name}`)
  }
}

/**
 * The credentials each platform needs (SNS API reference, SetPlatformApplicationAttributes:
 * PlatformCredential and PlatformPrincipal): FCM (GCM) a credential alone (an API key or a service
 * account's JSON key); Apple a credential and a principal (private key and certificate, or signing key
 * and signing key ID, the latter with ApplePlatformTeamID and ApplePlatformBundleID); ADM, Baidu, MPNS
 * and WNS a credential and a principal.
 *
 * @category validation
 */
export const validateCredentials = (
  platform: Platform,
  attributes: Readonly<Record<string, string>>
): Either.Either<void, InvalidParameter> => {
  const missing = (name: string) => Either.left(invalidParameter("Attributes", `${name} attribute required.`))
  const has = (name: string) => (attributes[name] ?? "") !== ""
  if (!has("PlatformCredential")) return missing("PlatformCredential")
  if (platform === "GCM") {
    if (has("PlatformPrincipal")) return Either.left(invalidParameter("Attributes", "PlatformPrincipal is not used for GCM platform applications"))
    return Either.void
  }
  if (!has("PlatformPrincipal")) return missing("PlatformPrincipal")
  if (platform === "APNS" || platform === "APNS_SANDBOX") {
    // Token-based authentication names the team and the bundle together.
    if (has("ApplePlatformTeamID") && !has("ApplePlatformBundleID")) return missing("ApplePlatformBundleID")
    if (has("ApplePlatformBundleID") && !has("ApplePlatformTeamID")) return missing("ApplePlatformTeamID")
  } else if (has("ApplePlatformTeamID") || has("ApplePlatformBundleID")) {
    return Either.left(invalidParameter("Attributes", "ApplePlatformTeamID and ApplePlatformBundleID are only for APNS platform applications"))
  }
  return Either.void
}

const validateApplicationAttributes = (
  platform: Platform,
  attributes: Readonly<Record<string, string>>
): Either.Either<Readonly<Record<string, string>>, InvalidParameter> =>
  Either.gen(function* () {
    const out: Record<string, string> = {}
    for (const [name, value] of Object.entries(attributes)) out[name] = yield* validateApplicationAttribute(name, value)
    yield* validateCredentials(platform, out)
    return out
  })

/**
 * GetPlatformApplicationAttributes: what was set but the credentials, which SNS never returns, and
 * Enabled.
 *
 * @category encoding
 */
export const describeApplication = (application: PlatformApplication): Record<string, string> => {
  const { PlatformCredential: _credential, PlatformPrincipal: _principal, ...shown } = application.attributes
  return { ...shown, Enabled: "true" }
}

/**
 * GetEndpointAttributes.
 *
 * @category encoding
 */
export const describeEndpoint = (endpoint: PlatformEndpoint): Record<string, string> => ({ ...endpoint.attributes })

/** One endpoint attribute's value checked. */
const validateEndpointAttribute = (name: string, value: string): Either.Either<string, InvalidParameter> => {
  switch (name) {
    case "Enabled": {
      const lower = value.toLowerCase()
      return lower === "true" || lower === "false" ? Either.right(lower) : Either.left(invalidParameter("Attributes", "Enabled must be true or false"))
    }
    case "Token":
      return value === "" ? Either.left(invalidParameter("Token", "cannot be empty")) : Either.right(value)
    case "CustomUserData":
      return utf8Bytes(value) > MAX_CUSTOM_USER_DATA_BYTES
        ? Either.left(invalidParameter("CustomUserData", "must be at most 2048 bytes long in UTF-8 encoding"))
        : Either.right(value)
    default:
      return Either.left(invalidParameter("Attributes", `Invalid attribute name: ${name}`))
  }
}

const refuse = (context: RequestContext, action: string, arn: string) =>
  new AuthorizationError({ message: `User: ${context.principalArn} is not authorized to perform: SNS:${action} on resource: ${arn}` })

/**
 * A platform application the caller owns.
 *
 * @category lookups
 */
export const applicationFor = (
  registry: Registry,
  arn: string,
  context: RequestContext,
  action: string
): Either.Either<PlatformApplication, InvalidParameter | NotFound | AuthorizationError> =>
  Either.flatMap(parseResourceArn(arn, "app", "PlatformApplicationArn"), (parts): Either.Either<PlatformApplication, NotFound | AuthorizationError> => {
    if (parts.accountId !== context.accountId) return Either.left(refuse(context, action, arn))
    const application = registry.platformApplications.get(arn)
    return application === undefined ? Either.left(new NotFound({ message: "PlatformApplication does not exist" })) : Either.right(application)
  })

/**
 * A device endpoint the caller owns.
 *
 * @category lookups
 */
export const endpointFor = (
  registry: Registry,
  arn: string,
  context: RequestContext,
  action: string,
  parameter = "EndpointArn"
): Either.Either<PlatformEndpoint, InvalidParameter | NotFound | AuthorizationError> =>
  Either.flatMap(parseResourceArn(arn, "endpoint", parameter), (parts): Either.Either<PlatformEndpoint, NotFound | AuthorizationError> => {
    if (parts.accountId !== context.accountId) return Either.left(refuse(context, action, arn))
    const endpoint = registry.platformEndpoints.get(arn)
    return endpoint === undefined ? Either.left(new NotFound({ message: "Endpoint does not exist" })) : Either.right(endpoint)
  })

/**
 * The input of CreatePlatformApplication.
 *
 * @category models
 */
export interface CreateApplicationInput {
  readonly name: string
  readonly platform: string
  readonly attributes: Readonly<Record<string, string>>
}

/**
 * CreatePlatformApplication. A second request for the same name and platform puts its attributes on
 * the existing application and answers its ARN.
 *
 * @category operations
 */
export const createApplication = (
  registry: Registry,
  input: CreateApplicationInput,
  context: RequestContext,
  now: number
): Either.Either<Changed<PlatformApplication>, InvalidParameter> =>
  Either.gen(function* () {
    if (!APPLICATION_NAME.test(input.name)) {
      return yield* Either.left(
        invalidParameter(
          "Name",
          "Application names must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, hyphens, and periods, and must be between 1 and 256 characters long"
        )
      )
    }
    if (!isPlatform(input.platform)) {
      return yield* Either.left(invalidParameter("Platform", `${input.platform} is not a supported platform; use one of ${platforms.join(", ")}`))
    }
    const attributes = yield* validateApplicationAttributes(input.platform, input.attributes)
    const arn = applicationArn(context.region, context.accountId, input.platform, input.name)
    const existing = registry.platformApplications.get(arn)
    const application: PlatformApplication = {
      arn,
      name: input.name,
      platform: input.platform,
      accountId: context.accountId,
      attributes,
      createdAt: existing?.createdAt ?? now
    }
    return {
      registry: { ...registry, platformApplications: new Map(registry.platformApplications).set(arn, application) },
      changes: [{ _tag: "PutPlatformApplication", application }],
      result: application
    }
  })

/**
 * SetPlatformApplicationAttributes: the given attributes replace theirs; the credentials the
 * platform needs must remain.
 *
 * @category operations
 */
export const setApplicationAttributes = (
  registry: Registry,
  arn: string,
  attributes: Readonly<Record<string, string>>,
  context: RequestContext
): Either.Either<Changed<void>, InvalidParameter | NotFound | AuthorizationError> =>
  Either.gen(function* () {
    const application = yield* applicationFor(registry, arn, context, "SetPlatformApplicationAttributes")
    const merged: Record<string, string> = { ...application.attributes }
    for (const [name, value] of Object.entries(attributes)) {
      const checked = yield* validateApplicationAttribute(name, value)
      if (checked === "") delete merged[name]
      else merged[name] = checked
    }
    yield* validateCredentials(application.platform, merged)
    const updated: PlatformApplication = { ...application, attributes: merged }
    return {
      registry: { ...registry, platformApplications: new Map(registry.platformApplications).set(arn, updated) },
      changes: [{ _tag: "PutPlatformApplication", application: updated }],
      result: undefined
    }
  })

/**
 * The endpoints of an application, in creation order.
 *
 * @category lookups
 */
export const endpointsOf = (registry: Registry, applicationArn: string): ReadonlyArray<PlatformEndpoint> =>
  [...registry.platformEndpoints.values()].filter((e) => e.applicationArn === applicationArn)

/**
 * DeletePlatformApplication: the application and its endpoints go. Deleting one that does not exist
 * succeeds.
 *
 * @category operations
 */
export const deleteApplication = (
  registry: Registry,
  arn: string,
  context: RequestContext
): Either.Either<Changed<void>, InvalidParameter | AuthorizationError> =>
  Either.gen(function* () {
    const parts = yield* parseResourceArn(arn, "app", "PlatformApplicationArn")
    if (parts.accountId !== context.accountId) return yield* Either.left(refuse(context, "DeletePlatformApplication", arn))
    if (!registry.platformApplications.has(arn)) return { registry, changes: [], result: undefined }
    const endpointArns = endpointsOf(registry, arn).map((e) => e.arn)
    const platformApplications = new Map(registry.platformApplications)
    platformApplications.delete(arn)
    const platformEndpoints = new Map(registry.platformEndpoints)
    for (const e of endpointArns) platformEndpoints.delete(e)
    return {
      registry: { ...registry, platformApplications, platformEndpoints },
      changes: [{ _tag: "DeletePlatformApplication", applicationArn: arn, endpointArns }],
      result: undefined
    }
  })

/**
 * The input of CreatePlatformEndpoint.
 *
 * @category models
 */
export interface CreateEndpointInput {
  readonly applicationArn: string
  readonly token: string
  readonly customUserData: string | undefined
  readonly attributes: Readonly<Record<string, string>>
}

/**
 * CreatePlatformEndpoint. Idempotent: when the application has an endpoint with this token and the
 * same attributes, its ARN is the answer; with different attributes the request is refused in SNS's
 * words (SNS API reference, CreatePlatformEndpoint).
 *
 * @category operations
 */
export const createEndpoint = (
  registry: Registry,
  input: CreateEndpointInput,
  context: RequestContext,
  now: number,
  id: string
): Either.Either<Changed<PlatformEndpoint>, InvalidParameter | NotFound | AuthorizationError> =>
  Either.gen(function* () {
    const application = yield* applicationFor(registry, input.applicationArn, context, "CreatePlatformEndpoint")
    const token = yield* validateEndpointAttribute("Token", input.token)
    const requested: Record<string, string> = {}
    for (const [name, value] of Object.entries(input.attributes)) requested[name] = yield* validateEndpointAttribute(name, value)
    if (input.customUserData !== undefined) requested["CustomUserData"] = yield* validateEndpointAttribute("CustomUserData", input.customUserData)
    const attributes: Record<string, string> = { Enabled: "true", ...requested, Token: token }
    if (attributes["CustomUserData"] === "") delete attributes["CustomUserData"]
    for (const existing of endpointsOf(registry, application.arn)) {
      if (existing.attributes["Token"] !== token) continue
      const same =
        Object.keys(attributes).length === Object.keys(existing.attributes).length &&
        Object.entries(attributes).every(([k, v]) => existing.attributes[k] === v)
      if (!same) {
        return yield* Either.left(invalidParameter("Token", `Endpoint ${existing.arn} already exists with the same Token, but different attributes.`))
      }
      return { registry, changes: [], result: existing }
    }
    const endpoint: PlatformEndpoint = {
      arn: `arn:aws:sns:${context.region}:${context.accountId}:endpoint/${application.platform}/${application.name}/${id}`,
      applicationArn: application.arn,
      accountId: context.accountId,
      attributes,
      createdAt: now
    }
    return {
      registry: { ...registry, platformEndpoints: new Map(registry.platformEndpoints).set(endpoint.arn, endpoint) },
      changes: [{ _tag: "PutPlatformEndpoint", endpoint }],
      result: endpoint
    }
  })

/**
 * SetEndpointAttributes.
 *
 * @category operations
 */
export const setEndpointAttributes = (
  registry: Registry,
  arn: string,
  attributes: Readonly<Record<string, string>>,
  context: RequestContext
): Either.Either<Changed<void>, InvalidParameter | NotFound | AuthorizationError> =>
  Either.gen(function* () {
    const endpoint = yield* endpointFor(registry, arn, context, "SetEndpointAttributes")
    const merged: Record<string, string> = { ...endpoint.attributes }
    for (const [name, value] of Object.entries(attributes)) {
      const checked = yield* validateEndpointAttribute(name, value)
      if (name === "CustomUserData" && checked === "") delete merged[name]
      else merged[name] = checked
    }
    const updated: PlatformEndpoint = { ...endpoint, attributes: merged }
    return {
      registry: { ...registry, platformEndpoints: new Map(registry.platformEndpoints).set(arn, updated) },
      changes: [{ _tag: "PutPlatformEndpoint", endpoint: updated }],
      result: undefined
    }
  })

/**
 * DeleteEndpoint: deleting one that does not exist succeeds. Its topic subscriptions stay until
 * unsubscribed, as in SNS.
 *
 * @category operations
 */
export const deleteEndpoint = (
  registry: Registry,
  arn: string,
  context: RequestContext
): Either.Either<Changed<void>, InvalidParameter | AuthorizationError> =>
  Either.gen(function* () {
    const parts = yield* parseResourceArn(arn, "endpoint", "EndpointArn")
    if (parts.accountId !== context.accountId) return yield* Either.left(refuse(context, "DeleteEndpoint", arn))
    if (!registry.platformEndpoints.has(arn)) return { registry, changes: [], result: undefined }
    const platformEndpoints = new Map(registry.platformEndpoints)
    platformEndpoints.delete(arn)
    return {
      registry: { ...registry, platformEndpoints },
      changes: [{ _tag: "DeletePlatformEndpoint", endpointArn: arn }],
      result: undefined
    }
  })
