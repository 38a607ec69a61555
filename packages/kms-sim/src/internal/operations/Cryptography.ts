/**
 * Cryptographic operations: GenerateDataKey, GenerateDataKeyWithoutPlaintext, Encrypt, Decrypt,
 * ReEncrypt, GenerateRandom, and the check SNS makes on every Publish (`checkKeyForUse`).
 *
 * @since 0.1.0
 */
import type { EncryptionContext } from "@sealcast/core/EncryptionContext"
import type { KmsCaller } from "@sealcast/core/Kms"
import { Effect, Either } from "effect"
import * as Blob from "../../CiphertextBlob.js"
import * as Errors from "../../Errors.js"
import * as Identifiers from "../../Identifiers.js"
import * as Key from "../../Key.js"
import type { KmsSimService } from "../../KmsSim.js"
import type * as R from "../../Requests.js"
import { CROSS_ACCOUNT, dryRun, refuseCustomKeyStore, refuseRecipient } from "../KeyAccess.js"
import type { Shell } from "../Shell.js"
import type { Tx } from "../Transactions.js"
import type { State } from "../state.js"
import { clearMaterial, publicKeyOf, rsaFailure } from "./Signing.js"

export type Cryptography = Pick<
  KmsSimService,
  "generateDataKey" | "generateDataKeyWithoutPlaintext" | "encrypt" | "decrypt" | "reEncrypt" | "generateRandom" | "checkKeyForUse" | "checkKeyForUseNow"
>

const SYMMETRIC_DEFAULT = "SYMMETRIC_DEFAULT"

/** A symmetric key takes only SYMMETRIC_DEFAULT, refused in the same words as any algorithm a key does not allow. */
const checkAlgorithm = (key: Key.KeyRecord, algorithm: string | undefined) =>
  algorithm === undefined || algorithm === SYMMETRIC_DEFAULT
    ? Effect.void
    : Effect.fail(Errors.incompatibleAlgorithm(algorithm, key.keySpec))

/** The RSAES-OAEP algorithm named, if any: an RSA key takes no other (Encrypt API, "EncryptionAlgorithm"). */
const rsaAlgorithm = (key: Key.KeyRecord, algorithm: string | undefined): Either.Either<Key.RsaEncryptionAlgorithm, Errors.KmsError> =>
  algorithm === "RSAES_OAEP_SHA_1" || algorithm === "RSAES_OAEP_SHA_256"
    ? Either.right(algorithm)
    : Either.left(Errors.incompatibleAlgorithm(algorithm ?? SYMMETRIC_DEFAULT, key.keySpec))

const oaepHash = (algorithm: Key.RsaEncryptionAlgorithm) => (algorithm === "RSAES_OAEP_SHA_1" ? "sha1" : "sha256")

/**
 * The standard asymmetric encryption algorithms take no encryption context (Encrypt API,
 * "EncryptionContext": valid only with a symmetric encryption KMS key).
 */
const checkNoContext = (context: EncryptionContext | undefined) =>
  context === undefined || Object.keys(context).length === 0
    ? Either.void
    : Either.left(new Errors.ValidationException({ message: "EncryptionContext is not supported with asymmetric KMS keys." }))

/** A plaintext longer than RSAES-OAEP takes for the key and algorithm (Encrypt API, the table of plaintext lengths). */
const checkOaepLength = (key: RsaEncryptionKey, algorithm: Key.RsaEncryptionAlgorithm, plaintext: Uint8Array) => {
  const limit = Key.maxOaepPlaintext(key.keySpec, algorithm)
  return plaintext.length <= limit
    ? Either.void
    : Either.left(
      new Errors.ValidationException({
        message: `Plaintext of ${plaintext.length} bytes is too long for ${key.keySpec} with ${algorithm}: at most ${limit} bytes.`
      })
    )
}

type RsaEncryptionKey = Key.KeyRecord & { readonly keySpec: Key.RsaKeySpec }

/** An RSA ENCRYPT_DECRYPT key: Encrypt, Decrypt and ReEncrypt take it with an RSAES-OAEP algorithm. */
const isRsaEncryption = (key: Key.KeyRecord): key is RsaEncryptionKey =>
  Key.isRsa(key.keySpec) && key.keyUsage === "ENCRYPT_DECRYPT"

/**
 * A dry run that checks only the key and permissions, not the ciphertext (DryRunModifiers
 * `IGNORE_CIPHERTEXT`; KMS Developer Guide, "Testing your permissions"). It needs the request to name
 * the key, as the ciphertext is not read.
 */
const ignoresCiphertext = (request: { readonly DryRun?: boolean; readonly DryRunModifiers?: ReadonlyArray<R.DryRunModifier> }) =>
  request.DryRun === true && (request.DryRunModifiers ?? []).includes("IGNORE_CIPHERTEXT")

/** The checks every symmetric cryptographic operation makes, in KMS's order: usage, then state. */
const usable = (key: Key.KeyRecord, operation: string) => Either.flatMap(Key.checkSymmetricUse(key, operation), Key.checkEnabled)

/**
 * The passes remembered for one published state, as a tree with one level per piece of the question
 * `checkKeyForUse` is asked (`passNode`): a lookup hashes strings the caller already holds and builds
 * no text (docs/PERFORMANCE.md, "The seal line without scratch arrays").
 */
export interface PassNode {
  readonly next: Map<string | undefined, PassNode>
  pass?: { readonly keyArn: string }
}

/** A tree of no passes. */
export const emptyNode = (): PassNode => ({ next: new Map() })

/** The child of `node` for `piece`, made when absent if `make` is set. */
const child = (node: PassNode | undefined, piece: string | undefined, make: boolean): PassNode | undefined => {
  if (node === undefined) return undefined
  const next = node.next.get(piece)
  if (next !== undefined || !make) return next
  const made = emptyNode()
  node.next.set(piece, made)
  return made
}

/**
 * The node of one question under `root`: the key identifier, the caller (a service it acts as, or
 * undefined, sits at a fixed depth, so its three pieces and the context's never shift into each
 * other), then the encryption context's keys and values in turn; undefined when absent and not `make`.
 */
export const passNode = (root: PassNode, keyIdText: string, caller: KmsCaller, context: EncryptionContext, make: boolean): PassNode | undefined => {
  let node = child(root, keyIdText, make)
  node = child(node, caller.accountId, make)
  node = child(node, caller.principalArn, make)
  node = child(node, caller.viaService, make)
  node = child(node, caller.service?.principal, make)
  if (caller.service !== undefined) node = child(child(node, caller.service.sourceArn, make), caller.service.sourceAccount, make)
  for (const key in context) node = child(child(node, key, make), context[key], make)
  return node
}

export const make = ({ authorization, ids, keys: { locate }, material, region, rsa, transactions, usage }: Shell): Cryptography => {
  const { transact } = transactions

  /** RSAES-OAEP with an RSA key's public key, the raw ciphertext returned. */
  const sealRsa = (tx: Tx, key: RsaEncryptionKey, algorithm: Key.RsaEncryptionAlgorithm, plaintext: Uint8Array) =>
    Effect.gen(function* () {
      yield* checkOaepLength(key, algorithm, plaintext)
      const publicKey = yield* publicKeyOf(rsa, key, yield* clearMaterial(tx, key, material))
      return yield* Either.mapLeft(rsa.encryptOaep(publicKey, oaepHash(algorithm), plaintext), rsaFailure(key))
    })

  /** RSAES-OAEP decryption; a ciphertext that does not decrypt is the same empty InvalidCiphertextException as a symmetric one. */
  const openRsa = (tx: Tx, key: RsaEncryptionKey, algorithm: Key.RsaEncryptionAlgorithm, ciphertext: Uint8Array) =>
    Effect.flatMap(clearMaterial(tx, key, material), (secret) =>
      Either.mapLeft(rsa.decryptOaep(secret, oaepHash(algorithm), ciphertext), Errors.invalidCiphertext))

  /** Encrypt under an RSA key: the checks, in KMS's order, then `sealRsa`. */
  const encryptRsa = (tx: Tx, key: RsaEncryptionKey, request: R.EncryptRequest) =>
    Effect.gen(function* () {
      yield* Key.checkEnabled(key)
      const algorithm = yield* rsaAlgorithm(key, request.EncryptionAlgorithm)
      yield* checkNoContext(request.EncryptionContext)
      yield* checkOaepLength(key, algorithm, request.Plaintext)
      if (request.DryRun === true) return yield* dryRun()
      const ciphertext = yield* sealRsa(tx, key, algorithm, request.Plaintext)
      yield* usage.count(key.arn, "Encrypt")
      return { CiphertextBlob: ciphertext, KeyId: key.arn, EncryptionAlgorithm: algorithm }
    })

  /**
   * Decrypt under an RSA key. The ciphertext names no key, so the request must (Decrypt API, "KeyId":
   * required with an asymmetric key), with the algorithm it was encrypted with; a ciphertext that
   * does not decrypt is the same empty InvalidCiphertextException as a symmetric one.
   */
  const decryptRsa = (tx: Tx, key: RsaEncryptionKey, request: R.DecryptRequest) =>
    Effect.gen(function* () {
      yield* Key.checkEnabled(key)
      const algorithm = yield* rsaAlgorithm(key, request.EncryptionAlgorithm)
      yield* checkNoContext(request.EncryptionContext)
      if (request.DryRun === true) return yield* dryRun()
      const plaintext = yield* openRsa(tx, key, algorithm, request.CiphertextBlob)
      yield* usage.count(key.arn, "Decrypt")
      return { KeyId: key.arn, Plaintext: plaintext, EncryptionAlgorithm: algorithm }
    })

  /**
   * A service that writes under a key for itself must be able to read back what it wrote: SNS into an
   * encrypted queue needs `kms:GenerateDataKey*` and `kms:Decrypt` (SQS Developer Guide, "Key
   * management"), so `checkKeyForUse` asks both of a service caller.
   */
  const serviceMayDecrypt = (key: Key.KeyRecord, caller: KmsCaller, context: EncryptionContext) =>
    caller.service === undefined ? Either.right(key) : authorization.authorize(key, "Decrypt", caller, context)

  /**
   * The checks that passed against the published state `state`, by question (`passNode`). The check reads
   * the state and its arguments and nothing else, and a transaction that changes a key or an alias
   * publishes a new state, so a pass stays true exactly while `state` is in force: a key disabled,
   * scheduled for deletion or re-policied is checked afresh on the next publish (docs/SEMANTICS.md
   * §1.7; docs/PERFORMANCE.md, "A sealed publish: the key check remembered").
   */
  let passes: { readonly state: State; readonly root: PassNode; kept: number } | undefined

  /** How many passes one state keeps (topics or queues times publishing principals); past that it starts over. */
  const PASSES_KEPT = 4096

  /** The check's passes for the state in force, emptied when another state has been published. */
  const passesFor = (state: State) => {
    if (passes === undefined || passes.state !== state || passes.kept >= PASSES_KEPT) {
      passes = { state, root: emptyNode(), kept: 0 }
    }
    return passes
  }

  /**
   * `checkKeyForUse` as a plain read: no lock and no transaction, since it changes nothing. It
   * answers undefined when a transaction is needed after all: when deletions or rotations have come
   * due, or when the caller names the SNS managed alias before it exists (the transaction creates it).
   * A pass is remembered for the state it was decided on (`passesFor`).
   */
  const checkKeyForUseNow = (
    keyIdText: string,
    caller: KmsCaller,
    context: EncryptionContext,
    now: number
  ): Either.Either<{ readonly keyArn: string }, Errors.KmsError> | undefined => {
    const published = transactions.published()
    if (now >= published.dueAt) return undefined
    const remembered = passesFor(published.state)
    const passed = passNode(remembered.root, keyIdText, caller, context, false)?.pass
    if (passed !== undefined) return Either.right(passed)
    const checked = decideKeyForUse(published.state, keyIdText, caller, context)
    if (checked !== undefined && Either.isRight(checked)) {
      passNode(remembered.root, keyIdText, caller, context, true)!.pass = checked.right
      remembered.kept++
    }
    return checked
  }

  /** The check itself, on `state`; undefined when it needs a transaction (the SNS or SQS managed alias is still to be made). */
  const decideKeyForUse = (
    state: State,
    keyIdText: string,
    caller: KmsCaller,
    context: EncryptionContext
  ): Either.Either<{ readonly keyArn: string }, Errors.KmsError> | undefined => {
    const ref = Identifiers.parseKeyRef(keyIdText)
    if (Either.isLeft(ref)) return Either.left(ref.left)
    const alias = Identifiers.aliasOf(ref.right, region, caller.accountId)
    if (alias !== undefined && Identifiers.managedAliasService(alias.aliasName) !== undefined && !state.aliases.has(alias.aliasArn)) return undefined
    return Identifiers.resolve(state, ref.right, region, caller.accountId, CROSS_ACCOUNT.includes("GenerateDataKey")).pipe(
      Either.flatMap((key) => authorization.authorize(key, "GenerateDataKey", caller, context)),
      Either.flatMap((key) => serviceMayDecrypt(key, caller, context)),
      Either.flatMap((key) => usable(key, "GenerateDataKey")),
      Either.map((key) => ({ keyArn: key.arn }))
    )
  }

  /**
   * The key a ciphertext names, checked against the KeyId the caller gave, if any (Decrypt API,
   * KeyId: when given, it must name the key the ciphertext was made under, else
   * IncorrectKeyException).
   */
  const sourceKey = (
    tx: Tx,
    blob: Blob.Blob,
    keyIdText: string | undefined,
    operation: string,
    caller: KmsCaller,
    context: EncryptionContext
  ) =>
    Effect.gen(function* () {
      if (keyIdText !== undefined) {
        const named = yield* locate(tx, keyIdText, operation, caller, context)
        if (named.keyId !== blob.keyId) return yield* Errors.incorrectKey()
        return named
      }
      const key = tx.state.keys.get(blob.keyId)
      if (key === undefined) return yield* Errors.keyNotFound(Key.keyArn(region, caller.accountId, blob.keyId))
      return yield* authorization.authorize(key, operation, caller, context)
    })

  /**
   * The decrypting half of ReEncrypt (ReEncrypt API): the source key needs `kms:ReEncryptFrom`. A
   * ciphertext under an RSA key names no key, so `SourceKeyId` and `SourceEncryptionAlgorithm` must
   * say which key and algorithm made it, and it takes no encryption context; a symmetric blob names
   * its key, and `SourceKeyId`, when given, must be that key. Nothing is decrypted until `open` runs,
   * after every check on both keys (DryRun stops before it).
   */
  const reEncryptSource = (tx: Tx, request: R.ReEncryptRequest, caller: KmsCaller) =>
    Effect.gen(function* () {
      const context = request.SourceEncryptionContext ?? {}
      if (request.SourceKeyId !== undefined) {
        const named = yield* Effect.either(locate(tx, request.SourceKeyId, "ReEncryptFrom", caller, context))
        if (Either.isRight(named) && isRsaEncryption(named.right)) {
          const key = named.right
          yield* Key.checkEnabled(key)
          const algorithm = yield* rsaAlgorithm(key, request.SourceEncryptionAlgorithm)
          yield* checkNoContext(request.SourceEncryptionContext)
          return { key, algorithm: algorithm as string, open: openRsa(tx, key, algorithm, request.CiphertextBlob) }
        }
        if (Either.isRight(named)) yield* usable(named.right, "ReEncrypt")
        if (ignoresCiphertext(request)) {
          const key = yield* named
          yield* checkAlgorithm(key, request.SourceEncryptionAlgorithm)
          const open = Effect.flatMap(Blob.decode(request.CiphertextBlob), (blob) =>
            blob.keyId === key.keyId ? material.open(key, blob, context) : Effect.fail(Errors.incorrectKey()))
          return { key, algorithm: SYMMETRIC_DEFAULT, open }
        }
      }
      const blob = yield* Blob.decode(request.CiphertextBlob)
      const key = yield* sourceKey(tx, blob, request.SourceKeyId, "ReEncryptFrom", caller, context)
      yield* usable(key, "ReEncrypt")
      yield* checkAlgorithm(key, request.SourceEncryptionAlgorithm)
      return { key, algorithm: SYMMETRIC_DEFAULT, open: material.open(key, blob, context) }
    })

  /**
   * The encrypting half of ReEncrypt: the destination key needs `kms:ReEncryptTo`. An RSA key needs
   * `DestinationEncryptionAlgorithm` and takes no encryption context; the plaintext must fit its
   * OAEP limit, which only the decrypted plaintext shows.
   */
  const reEncryptDestination = (tx: Tx, request: R.ReEncryptRequest, caller: KmsCaller) =>
    Effect.gen(function* () {
      const context = request.DestinationEncryptionContext ?? {}
      const key = yield* locate(tx, request.DestinationKeyId, "ReEncryptTo", caller, context)
      if (isRsaEncryption(key)) {
        yield* Key.checkEnabled(key)
        const algorithm = yield* rsaAlgorithm(key, request.DestinationEncryptionAlgorithm)
        yield* checkNoContext(request.DestinationEncryptionContext)
        return { key, algorithm: algorithm as string, seal: (plaintext: Uint8Array) => sealRsa(tx, key, algorithm, plaintext) }
      }
      yield* usable(key, "ReEncrypt")
      yield* checkAlgorithm(key, request.DestinationEncryptionAlgorithm)
      return { key, algorithm: SYMMETRIC_DEFAULT, seal: (plaintext: Uint8Array) => material.seal(key, plaintext, context) }
    })

  const dataKey = (
    operation: "GenerateDataKey" | "GenerateDataKeyWithoutPlaintext",
    request: R.GenerateDataKeyRequest,
    caller: KmsCaller
  ) =>
    transact((tx) =>
      Effect.gen(function* () {
        // GenerateDataKey API: "You must specify either the KeySpec or the NumberOfBytes parameter
        // (but not both) in every GenerateDataKey request."
        yield* refuseRecipient(request.Recipient)
        if ((request.KeySpec === undefined) === (request.NumberOfBytes === undefined)) {
          return yield* new Errors.ValidationException({ message: "Please specify either number of bytes or key spec." })
        }
        const context = request.EncryptionContext ?? {}
        const key = yield* locate(tx, request.KeyId, operation, caller, context)
        yield* usable(key, operation)
        if (request.DryRun === true) return yield* dryRun()
        const size = request.NumberOfBytes ?? (request.KeySpec === "AES_128" ? 16 : 32)
        const plaintext = yield* ids.randomBytes(size)
        const ciphertextBlob = yield* material.seal(key, plaintext, context)
        yield* usage.count(key.arn, operation)
        return { key, plaintext, ciphertextBlob }
      })
    )

  return {
    generateDataKey: (request, caller) =>
      Effect.map(dataKey("GenerateDataKey", request, caller), (r) => ({
        CiphertextBlob: r.ciphertextBlob,
        Plaintext: r.plaintext,
        KeyId: r.key.arn
      })),

    generateDataKeyWithoutPlaintext: (request, caller) =>
      Effect.map(dataKey("GenerateDataKeyWithoutPlaintext", request, caller), (r) => ({
        CiphertextBlob: r.ciphertextBlob,
        KeyId: r.key.arn
      })),

    encrypt: (request, caller) =>
      transact((tx) =>
        Effect.gen(function* () {
          const context = request.EncryptionContext ?? {}
          const key = yield* locate(tx, request.KeyId, "Encrypt", caller, context)
          if (isRsaEncryption(key)) return yield* encryptRsa(tx, key, request)
          yield* usable(key, "Encrypt")
          yield* checkAlgorithm(key, request.EncryptionAlgorithm)
          if (request.DryRun === true) return yield* dryRun()
          const blob = yield* material.seal(key, request.Plaintext, context)
          yield* usage.count(key.arn, "Encrypt")
          return { CiphertextBlob: blob, KeyId: key.arn, EncryptionAlgorithm: SYMMETRIC_DEFAULT }
        })
      ),

    decrypt: (request, caller) =>
      transact((tx) =>
        Effect.gen(function* () {
          yield* refuseRecipient(request.Recipient)
          const context = request.EncryptionContext ?? {}
          if (request.KeyId !== undefined) {
            const named = yield* Effect.either(locate(tx, request.KeyId, "Decrypt", caller, context))
            if (Either.isRight(named) && isRsaEncryption(named.right)) return yield* decryptRsa(tx, named.right, request)
            if (Either.isRight(named)) yield* usable(named.right, "Decrypt")
            if (ignoresCiphertext(request)) {
              const key = yield* named
              yield* checkAlgorithm(key, request.EncryptionAlgorithm)
              return yield* dryRun()
            }
          }
          const blob = yield* Blob.decode(request.CiphertextBlob)
          const key = yield* sourceKey(tx, blob, request.KeyId, "Decrypt", caller, context)
          yield* usable(key, "Decrypt")
          yield* checkAlgorithm(key, request.EncryptionAlgorithm)
          if (request.DryRun === true) return yield* dryRun()
          const plaintext = yield* material.open(key, blob, context)
          yield* usage.count(key.arn, "Decrypt")
          return { KeyId: key.arn, Plaintext: plaintext, EncryptionAlgorithm: SYMMETRIC_DEFAULT }
        })
      ),

    reEncrypt: (request, caller) =>
      transact((tx) =>
        Effect.gen(function* () {
          const source = yield* reEncryptSource(tx, request, caller)
          const destination = yield* reEncryptDestination(tx, request, caller)
          if (request.DryRun === true) return yield* dryRun()
          const plaintext = yield* source.open
          const sealed = yield* destination.seal(plaintext)
          yield* usage.count(source.key.arn, "ReEncrypt")
          if (destination.key.arn !== source.key.arn) yield* usage.count(destination.key.arn, "ReEncrypt")
          return {
            CiphertextBlob: sealed,
            SourceKeyId: source.key.arn,
            KeyId: destination.key.arn,
            SourceEncryptionAlgorithm: source.algorithm,
            DestinationEncryptionAlgorithm: destination.algorithm
          }
        })
      ),

    generateRandom: (request) =>
      Effect.gen(function* () {
        yield* refuseRecipient(request.Recipient)
        yield* refuseCustomKeyStore(request.CustomKeyStoreId)
        if (request.NumberOfBytes === undefined) {
          return yield* Errors.validation(["Value null at 'numberOfBytes' failed to satisfy constraint: Member must not be null"])
        }
        return { Plaintext: yield* ids.randomBytes(request.NumberOfBytes) }
      }),

    checkKeyForUseNow: (keyIdText, caller, context, now) => {
      const checked = checkKeyForUseNow(keyIdText, caller, context, now)
      return checked !== undefined && Either.isRight(checked) ? checked.right : undefined
    },

    checkKeyForUse: (keyIdText, caller, context) =>
      Effect.clockWith((clock) =>
        checkKeyForUseNow(keyIdText, caller, context, clock.unsafeCurrentTimeMillis()) ??
          transact((tx) =>
            Effect.gen(function* () {
              const key = yield* locate(tx, keyIdText, "GenerateDataKey", caller, context)
              yield* serviceMayDecrypt(key, caller, context)
              yield* usable(key, "GenerateDataKey")
              return { keyArn: key.arn }
            })
          )
      )
  }
}
