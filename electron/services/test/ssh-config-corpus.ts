// ssh_config corpus for the conformance test: shapes taken from real-world configs (bastions,
// cloud fleets, SSM/Teleport-style ProxyCommands, per-user Match blocks, Include trees). `DIR`
// is replaced by the case's own directory. Each host says what OpenSSH must answer (a few
// fields, as a check that the case tests what it claims) or which keyword the fallback cannot
// evaluate.
import type { ResolvedHost } from '../openssh-config';

export interface CorpusHost {
  readonly alias: string;
  readonly user?: string;
  readonly port?: number;
  readonly expect?: Partial<ResolvedHost>;
  /** The fallback must refuse with OpenSshUnsupported naming this keyword. */
  readonly unsupported?: string;
}

export interface CorpusCase {
  readonly name: string;
  /** Relative path → text; `config` is passed with -F. */
  readonly files: Readonly<Record<string, string>>;
  readonly hosts: readonly CorpusHost[];
}

export const CORPUS: readonly CorpusCase[] = [
  {
    name: 'basic-first-value-wins',
    files: {
      config: `Host web
  HostName web.example.com
  User deploy
  Port 2222
Host web *.example.com
  User ignored
  Port 22
  IdentitiesOnly yes
Host *
  User fallback
  ServerAliveInterval 30
  ServerAliveCountMax 5
  ConnectTimeout 12
`,
    },
    hosts: [
      { alias: 'web', expect: { hostName: 'web.example.com', user: 'deploy', port: 2222, identitiesOnly: true, serverAliveIntervalSeconds: 30 } },
      { alias: 'db.example.com', expect: { user: 'ignored', port: 22 } },
      { alias: 'other', expect: { user: 'fallback', connectTimeoutSeconds: 12 } },
      { alias: 'web', user: 'cli', port: 2300, expect: { user: 'cli', port: 2300 } },
    ],
  },
  {
    name: 'identityfile-lists-and-tokens',
    files: {
      config: `Host git-*
  HostName %h.internal
  IdentityFile ~/.ssh/id_%h_%r
  IdentityFile %d/.ssh/%n-%p
  IdentityFile /keys/%C
  IdentityFile /keys/%u@%l-%L-%i-%k
  CertificateFile ~/.ssh/%r-cert.pub
  UserKnownHostsFile ~/.ssh/kh_%h %d/kh2_%C
Host *
  IdentityFile ~/.ssh/id_ed25519
  CertificateFile /etc/ssh/ca/%h
  User build
`,
    },
    hosts: [
      { alias: 'git-a', expect: { hostName: 'git-a.internal', user: 'build' } },
      { alias: 'git-b', port: 2022 },
      { alias: 'plain', expect: { hostName: 'plain' } },
    ],
  },
  {
    name: 'hostname-percent',
    files: {
      config: `Host *.corp
  HostName %h.example.net
Host db-%
  HostName literal%%x
Host pc?
  HostName 10.0.0.%h
`,
    },
    hosts: [{ alias: 'app.corp', expect: { hostName: 'app.corp.example.net' } }, { alias: 'pc1', expect: { hostName: '10.0.0.pc1' } }, { alias: 'x' }],
  },
  {
    name: 'negation',
    files: {
      config: `Host *.prod !bastion.prod !db?.prod
  ProxyJump bastion.prod
  User ops
Host !*.prod *
  User dev
Host bastion.prod
  Port 2201
`,
    },
    hosts: [
      { alias: 'api.prod', expect: { proxyJump: 'bastion.prod', user: 'ops' } },
      { alias: 'bastion.prod', expect: { proxyJump: '', port: 2201 } },
      { alias: 'db1.prod' },
      { alias: 'laptop', expect: { user: 'dev' } },
    ],
  },
  {
    name: 'case-and-commas',
    files: {
      config: `Host Web
  User upper
Host a,b
  User comma
Host *
  User rest
`,
    },
    hosts: [{ alias: 'web', expect: { user: 'rest' } }, { alias: 'Web', expect: { user: 'upper' } }, { alias: 'a', expect: { user: 'rest' } }],
  },
  {
    name: 'include-tree',
    files: {
      config: `Include DIR/conf.d/*.conf
Host jump
  HostName jump.example.org
  Include DIR/inner
Host *
  User everyone
`,
      'conf.d/10-fleet.conf': `Host fleet-*
  User fleet
  IdentityFile ~/.ssh/fleet
`,
      'conf.d/20-more.conf': `Host fleet-1
  HostName 192.0.2.1
  User notme
Host solo
  Port 2
`,
      inner: `User jumper
Host *
  Port 7
`,
    },
    hosts: [
      { alias: 'fleet-1', expect: { hostName: '192.0.2.1', user: 'fleet' } },
      { alias: 'jump', expect: { user: 'jumper', port: 7 } },
      { alias: 'solo', expect: { port: 2, user: 'everyone' } },
    ],
  },
  {
    name: 'match-originalhost-proxycommand',
    files: {
      config: `Host i-* mi-*
  HostName %h.ssm
Match originalhost i-*,mi-* !originalhost i-bad
  User ec2-user
  IdentityFile ~/.ssh/aws.pem
  ProxyCommand sh -c "aws ssm start-session --target %n --document-name AWS-StartSSHSession --parameters 'portNumber=%p'"
  UserKnownHostsFile ~/.ssh/known_hosts_aws
  HostKeyAlias %n-alias
  StrictHostKeyChecking accept-new
Host *
  User local
`,
    },
    hosts: [
      { alias: 'i-0abc', expect: { user: 'ec2-user', hostName: 'i-0abc.ssm', strictHostKeyChecking: 'accept-new' } },
      { alias: 'i-bad', expect: { user: 'local', proxyCommand: '' } },
      { alias: 'web' },
    ],
  },
  {
    name: 'match-host-uses-hostname',
    files: {
      config: `Host short
  HostName long.example.com
Match host *.example.com
  User matched-by-hostname
Match host short
  Port 2345
`,
    },
    hosts: [{ alias: 'short', expect: { user: 'matched-by-hostname', port: 22 } }, { alias: 'x.example.com' }, { alias: 'y' }],
  },
  {
    name: 'match-user-localuser',
    files: {
      config: `Match user admin,root
  IdentityFile ~/.ssh/admin
  Port 2200
Match localuser root !user deploy
  ServerAliveInterval 15
Match !localuser nobody-here
  ConnectTimeout 9
Host *
  User deploy
`,
    },
    hosts: [{ alias: 'h' }, { alias: 'h', user: 'admin', expect: { port: 2200 } }, { alias: 'h', user: 'deploy' }],
  },
  {
    name: 'match-final-canonical',
    files: {
      config: `Host app
  HostName app.internal.example
Match final host *.internal.example
  User final-user
  ProxyJump gw.example
Match canonical
  Port 2022
Match !final
  IdentityFile ~/.ssh/first-pass
Host *.internal.example
  ServerAliveInterval 44
`,
    },
    hosts: [{ alias: 'app', expect: { user: 'final-user', port: 2022 } }, { alias: 'other' }],
  },
  {
    name: 'match-all-and-exec',
    files: {
      config: `Host dev
  User dev
Match all
  Port 2020
Match host corp-* exec "test -f /nonexistent"
  User exec-user
Match exec "true"
  User exec2
`,
    },
    hosts: [
      { alias: 'dev', unsupported: 'Match exec' },
      { alias: 'corp-1', unsupported: 'Match exec' },
      { alias: 'home', unsupported: 'Match exec' },
    ],
  },
  {
    name: 'proxyjump-vs-proxycommand',
    files: {
      config: `Host a
  ProxyJump j1,ops@j2:2022
  ProxyCommand nc %h %p
Host b
  ProxyCommand ssh -W %h:%p -l %r bastion
  ProxyJump ignored
Host c
  ProxyJump none
Host *
  ProxyJump default-jump
`,
    },
    hosts: [
      { alias: 'a', expect: { proxyJump: 'j1,ops@j2:2022', proxyCommand: '' } },
      { alias: 'b', expect: { proxyJump: '' } },
      { alias: 'c', expect: { proxyJump: '' } },
      { alias: 'd', expect: { proxyJump: 'default-jump' } },
    ],
  },
  {
    name: 'known-hosts-and-agent',
    files: {
      config: `Host iso
  UserKnownHostsFile /dev/null
  GlobalKnownHostsFile none
  StrictHostKeyChecking no
  IdentityAgent none
Host team
  UserKnownHostsFile ~/.ssh/team_hosts ~/.ssh/team_hosts2
  GlobalKnownHostsFile /etc/ssh/team_global
  StrictHostKeyChecking yes
  IdentityAgent ~/.1password/agent.sock
  HostKeyAlias team-frontdoor
Host *
  StrictHostKeyChecking ask
`,
    },
    hosts: [{ alias: 'iso', expect: { strictHostKeyChecking: 'no', userKnownHostsFiles: ['/dev/null'] } }, { alias: 'team', expect: { strictHostKeyChecking: 'yes', hostKeyAlias: 'team-frontdoor' } }, { alias: 'z' }],
  },
  {
    name: 'syntax-forms',
    files: {
      config: `# comment
Host=eq
  HostName = eq.example
  User=equser
Host "quoted"
  IdentityFile "~/.ssh/with space"
  Port	2424
HOST upper
  HOSTNAME upper.example
  identitiesonly YES
`,
    },
    hosts: [{ alias: 'eq', expect: { hostName: 'eq.example', user: 'equser' } }, { alias: 'quoted', expect: { port: 2424 } }, { alias: 'upper', expect: { identitiesOnly: true } }],
  },
  {
    name: 'match-inside-include',
    files: {
      config: `Host *.lab
  Include DIR/lab.conf
Host *
  User default
`,
      'lab.conf': `Match originalhost gpu*.lab
  User gpu
  IdentityFile ~/.ssh/gpu
Host cpu1.lab
  User cpu
`,
    },
    hosts: [{ alias: 'gpu1.lab', expect: { user: 'gpu' } }, { alias: 'cpu1.lab', expect: { user: 'cpu' } }, { alias: 'gpu1.other', expect: { user: 'default' } }],
  },
  {
    name: 'teleport-style',
    files: {
      config: `Host *.teleport.example.com !proxy.teleport.example.com
  UserKnownHostsFile "~/.tsh/known_hosts"
  IdentityFile "~/.tsh/keys/proxy/alice"
  CertificateFile "~/.tsh/keys/proxy/alice-ssh/cluster-cert.pub"
  HostKeyAlgorithms rsa-sha2-512-cert-v01@openssh.com
  Port 3022
  ProxyCommand "/usr/local/bin/tsh" proxy ssh --cluster=cluster --proxy=proxy.teleport.example.com %r@%h:%p
Host proxy.teleport.example.com
  User proxyuser
`,
    },
    hosts: [{ alias: 'node1.teleport.example.com', expect: { port: 3022 } }, { alias: 'proxy.teleport.example.com', expect: { user: 'proxyuser', proxyCommand: '' } }],
  },
];
