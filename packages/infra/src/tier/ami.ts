import type { InstanceType } from "@flakeops/sizing";
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/**
 * Which AMI a tier boots: Amazon Linux 2023 for CPU types, the Deep Learning Base AMI (Amazon
 * Linux 2023, with the NVIDIA driver, Docker and the NVIDIA container toolkit) for GPU types;
 * the architecture comes from the sizing catalog (arm64 for Graviton).
 */
export interface AmiQuery {
  readonly owners: string[];
  readonly namePattern: string;
  readonly architecture: InstanceType["arch"];
}

export function amiQuery(type: Pick<InstanceType, "arch" | "gpu">): AmiQuery {
  if (type.gpu) {
    return {
      owners: ["amazon"],
      namePattern:
        type.arch === "arm64"
          ? "Deep Learning ARM64 Base OSS Nvidia Driver GPU AMI (Amazon Linux 2023) *"
          : "Deep Learning Base OSS Nvidia Driver GPU AMI (Amazon Linux 2023) *",
      architecture: type.arch,
    };
  }
  // "al2023-ami-2023.*" excludes the minimal image (al2023-ami-minimal-*), which lacks the AWS CLI.
  return {
    owners: ["amazon"],
    namePattern: `al2023-ami-2023.*-${type.arch}`,
    architecture: type.arch,
  };
}

/** The newest matching AMI. Each `pulumi up` may pick a newer one, which rolls the group (patching). */
export function lookupAmi(
  query: AmiQuery,
  parent: pulumi.Resource,
): pulumi.Output<aws.ec2.GetAmiResult> {
  return aws.ec2.getAmiOutput(
    {
      mostRecent: true,
      owners: query.owners,
      filters: [
        { name: "name", values: [query.namePattern] },
        { name: "architecture", values: [query.architecture] },
        { name: "virtualization-type", values: ["hvm"] },
        { name: "root-device-type", values: ["ebs"] },
      ],
    },
    { parent },
  );
}
