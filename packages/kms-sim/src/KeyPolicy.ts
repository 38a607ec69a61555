/**
 * Key policies: the documents KMS attaches to keys it makes, and reading a key policy with KMS's
 * error. The policy language itself (grammar and evaluation) is the core's `IamPolicy`, shared with
 * SQS queue policies.
 *
 * @since 0.1.0
 */
import * as IamPolicy from "@sealcast/core/IamPolicy"
import { Either } from "effect"
import { MalformedPolicyDocumentException } from "./Errors.js"

/**
 * Reads a key policy: a text that is not a policy document is `MalformedPolicyDocumentException`
 * (KMS API Reference, PutKeyPolicy), with KMS's text for invalid JSON.
 *
 * @category rules
 */
export const parse = (text: string): Either.Either<IamPolicy.PolicyDocument, MalformedPolicyDocumentException> =>
  Either.mapLeft(
    IamPolicy.parse(text),
    (error) => new MalformedPolicyDocumentException({ message: error.invalidJson ? "The new key policy contains invalid JSON." : error.message })
  )

/**
 * The default key policy CreateKey attaches when none is given: the account root may do everything
 * (KMS Developer Guide, "Default key policy").
 *
 * @category constructors
 */
export const defaultKeyPolicy = (accountId: string): string =>
  JSON.stringify(
    {
      Version: "2012-10-17",
      Id: "key-default-1",
      Statement: [
        {
          Sid: "Enable IAM User Permissions",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${accountId}:root` },
          Action: "kms:*",
          Resource: "*"
        }
      ]
    },
    null,
    2
  )

/**
 * The policy of the AWS managed key `alias/aws/sns`, shaped like AWS's own: principals of the
 * account may use it only through SNS (`kms:ViaService` and `kms:CallerAccount`), and the account
 * may only read its metadata. It grants nothing that disables, deletes, rotates or re-policies the
 * key, which is how AWS keeps the account from managing its managed keys.
 *
 * @category constructors
 */
export const snsManagedKeyPolicy = (accountId: string, region: string): string => managedKeyPolicy("sns", accountId, region)

/**
 * The policy of an AWS managed key for `service` (`alias/aws/sns`, `alias/aws/sqs`): use only through
 * that service, as `snsManagedKeyPolicy` says.
 *
 * @category constructors
 */
export const managedKeyPolicy = (service: "sns" | "sqs", accountId: string, region: string): string =>
  JSON.stringify(
    {
      Version: "2012-10-17",
      Id: `auto-${service}`,
      Statement: [
        {
          Sid: `Allow access through ${service.toUpperCase()} for all principals in the account that are authorized to use ${service.toUpperCase()}`,
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:ListGrants", "kms:DescribeKey"],
          Resource: "*",
          Condition: {
            StringEquals: { "kms:CallerAccount": accountId, "kms:ViaService": `${service}.${region}.amazonaws.com` }
          }
        },
        {
          Sid: "Allow direct access to key metadata to the account",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${accountId}:root` },
          Action: ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
          Resource: "*"
        }
      ]
    },
    null,
    2
  )
