import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";

/** An existing VPC to deploy into: public subnets for the load balancer, private for instances. */
export interface ExistingNetwork {
  readonly vpcId: pulumi.Input<string>;
  /** At least two, in different availability zones (an ALB needs two). */
  readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Where the instances run; they reach S3, SSM and CloudWatch through a NAT or endpoints. */
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
}

export interface Network {
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string[]>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /** The load balancer's group: the only one open to the internet. */
  readonly albSecurityGroup: aws.ec2.SecurityGroup;
  /** The instances' group: reachable only from the load balancer, on the app port. */
  readonly instanceSecurityGroup: aws.ec2.SecurityGroup;
}

export interface NetworkOptions {
  readonly existing?: ExistingNetwork | undefined;
  /** Ports the load balancer listens on (open to 0.0.0.0/0). */
  readonly listenerPorts: readonly number[];
  readonly appPort: number;
  readonly tags: Record<string, string>;
}

export interface Vpc {
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string[]>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
}

/** The given VPC, or a new two-AZ one (one NAT gateway: instances are private). */
export function resolveVpc(
  name: string,
  existing: ExistingNetwork | undefined,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): Vpc {
  if (existing) {
    return {
      vpcId: pulumi.output(existing.vpcId),
      publicSubnetIds: pulumi.output(existing.publicSubnetIds),
      privateSubnetIds: pulumi.output(existing.privateSubnetIds),
    };
  }
  const vpc = new awsx.ec2.Vpc(
    `${name}-vpc`,
    {
      numberOfAvailabilityZones: 2,
      natGateways: { strategy: awsx.ec2.NatGatewayStrategy.Single },
      tags,
    },
    { parent },
  );
  s3GatewayEndpoint(name, vpc.vpcId, vpc.privateSubnetIds, tags, parent);
  return {
    vpcId: vpc.vpcId,
    publicSubnetIds: vpc.publicSubnetIds,
    privateSubnetIds: vpc.privateSubnetIds,
  };
}

/**
 * S3 through a gateway endpoint on the private subnets' route tables: the artifact, models and
 * batch images stay off the NAT gateway (no $0.045/GB processing) and inside AWS's network.
 * Gateway endpoints themselves cost nothing.
 */
function s3GatewayEndpoint(
  name: string,
  vpcId: pulumi.Output<string>,
  privateSubnetIds: pulumi.Output<string[]>,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): aws.ec2.VpcEndpoint {
  const region = aws.getRegionOutput({}, { parent }).region;
  const routeTableIds = privateSubnetIds.apply((ids) =>
    pulumi.all(ids.map((subnetId) => aws.ec2.getRouteTableOutput({ subnetId }, { parent }).id)),
  );
  return new aws.ec2.VpcEndpoint(
    `${name}-s3`,
    {
      vpcId,
      serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: routeTableIds.apply((ids) => [...new Set(ids)]),
      tags,
    },
    { parent },
  );
}

/**
 * The network: the VPC and two security groups. No rule opens SSH; operators use SSM Session
 * Manager instead.
 */
export function createNetwork(
  name: string,
  opts: NetworkOptions,
  parent: pulumi.Resource,
): Network {
  const { vpcId, publicSubnetIds, privateSubnetIds } = resolveVpc(
    name,
    opts.existing,
    opts.tags,
    parent,
  );

  const albSecurityGroup = new aws.ec2.SecurityGroup(
    `${name}-alb`,
    { vpcId, description: "flakeops load balancer: the only public entry", tags: opts.tags },
    { parent },
  );
  const instanceSecurityGroup = new aws.ec2.SecurityGroup(
    `${name}-instances`,
    {
      vpcId,
      description: "flakeops instances: reachable only from the load balancer",
      tags: opts.tags,
    },
    { parent },
  );

  for (const port of opts.listenerPorts) {
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-alb-in-${port}`,
      {
        securityGroupId: albSecurityGroup.id,
        description: `HTTP(S) listener ${port}`,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        cidrIpv4: "0.0.0.0/0",
        tags: opts.tags,
      },
      { parent },
    );
  }
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-alb-out-app`,
    {
      securityGroupId: albSecurityGroup.id,
      // EC2 refuses an apostrophe here: rule descriptions take only a-zA-Z0-9, space and
      // ._-:/()#,@[]+=&;{}!$* (see test/aws-limits.ts).
      description: "to the instances app port",
      ipProtocol: "tcp",
      fromPort: opts.appPort,
      toPort: opts.appPort,
      referencedSecurityGroupId: instanceSecurityGroup.id,
      tags: opts.tags,
    },
    { parent },
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-instances-in-app`,
    {
      securityGroupId: instanceSecurityGroup.id,
      description: "app port, from the load balancer only",
      ipProtocol: "tcp",
      fromPort: opts.appPort,
      toPort: opts.appPort,
      referencedSecurityGroupId: albSecurityGroup.id,
      tags: opts.tags,
    },
    { parent },
  );
  // Outbound for packages, S3 (artifact, models), SSM and CloudWatch endpoints.
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-instances-out`,
    {
      securityGroupId: instanceSecurityGroup.id,
      description: "packages, S3, SSM, CloudWatch",
      ipProtocol: "-1",
      cidrIpv4: "0.0.0.0/0",
      tags: opts.tags,
    },
    { parent },
  );

  return { vpcId, publicSubnetIds, privateSubnetIds, albSecurityGroup, instanceSecurityGroup };
}

/** Batch workers' group: no inbound rule at all; outbound for S3, SQS, SSM, CloudWatch and packages. */
export function createWorkerSecurityGroup(
  name: string,
  vpcId: pulumi.Input<string>,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): aws.ec2.SecurityGroup {
  const group = new aws.ec2.SecurityGroup(
    `${name}-workers`,
    { vpcId, description: "flakeops batch workers: no inbound access", tags },
    { parent },
  );
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-workers-out`,
    {
      securityGroupId: group.id,
      description: "packages, S3, SQS, SSM, CloudWatch",
      ipProtocol: "-1",
      cidrIpv4: "0.0.0.0/0",
      tags,
    },
    { parent },
  );
  return group;
}
