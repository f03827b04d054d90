/*
 * burrow's user networks (docs/design.md, "User networks"): a bridge per
 * network in the network namespace of the networks' infra, and a veth pair
 * per container and network, one end the container's (with its address on
 * the network's subnet), the other enslaved to the bridge. Plain rtnetlink,
 * no library: every call is made by a process that has CAP_NET_ADMIN over
 * both network namespaces (they belong to one user namespace, which it is
 * in or owns).
 *
 * Used by the child's `bridge-port` step (setup.c) and by `burrow-helper
 * network-connect` / `network-disconnect` for a running container.
 */
#define _GNU_SOURCE
#include "helper.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* A request: its header at the start of `raw` (a pointer into raw, so that the attributes after it are in bounds). */
struct nlreq {
  _Alignas(struct nlmsghdr) char raw[2048];
};

static unsigned g_seq;

static struct rtattr *add_attr(struct nlmsghdr *n, int type, const void *data, size_t len) {
  size_t alen = RTA_LENGTH(len);
  if (NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(alen) > sizeof(((struct nlreq *)0)->raw))
    return NULL;
  struct rtattr *rta = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
  rta->rta_type = (unsigned short)type;
  rta->rta_len = (unsigned short)alen;
  if (len)
    memcpy(RTA_DATA(rta), data, len);
  n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(alen);
  return rta;
}

static void end_nest(struct nlmsghdr *n, struct rtattr *nest) {
  nest->rta_len = (unsigned short)((char *)n + NLMSG_ALIGN(n->nlmsg_len) - (char *)nest);
}

static int nl_open(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0)
    return -1;
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Sends a request and waits for its acknowledgement; -1 with errno (the kernel's answer). */
static int nl_talk(int fd, struct nlmsghdr *n) {
  n->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  n->nlmsg_seq = ++g_seq;
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  if (sendto(fd, n, n->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
    return -1;
  char buf[8192];
  for (;;) {
    ssize_t r = recv(fd, buf, sizeof(buf), 0);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    int len = (int)r;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != n->nlmsg_seq || h->nlmsg_type != NLMSG_ERROR)
        continue;
      const struct nlmsgerr *e = NLMSG_DATA(h);
      if (e->error == 0)
        return 0;
      errno = -e->error;
      return -1;
    }
  }
}

static struct nlmsghdr *header(struct nlreq *req) {
  return (struct nlmsghdr *)req->raw;
}

static struct ifinfomsg *link_request(struct nlreq *req, int type, int flags) {
  memset(req, 0, sizeof(*req));
  struct nlmsghdr *h = header(req);
  h->nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
  h->nlmsg_type = (unsigned short)type;
  h->nlmsg_flags = (unsigned short)flags;
  struct ifinfomsg *ifi = NLMSG_DATA(h);
  ifi->ifi_family = AF_UNSPEC;
  return ifi;
}

/* A bridge named `name`; an existing one is left as it is. */
static int bridge_add(int fd, const char *name) {
  struct nlreq req;
  link_request(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  add_attr(header(&req), IFLA_IFNAME, name, strlen(name) + 1);
  struct rtattr *info = add_attr(header(&req), IFLA_LINKINFO, NULL, 0);
  add_attr(header(&req), IFLA_INFO_KIND, "bridge", strlen("bridge"));
  end_nest(header(&req), info);
  if (nl_talk(fd, header(&req)) < 0 && errno != EEXIST)
    return -1;
  return 0;
}

/* A veth pair: `name` here, `peer` in the network namespace `peer_ns`. */
static int veth_add(int fd, const char *name, const char *peer, int peer_ns) {
  struct nlreq req;
  link_request(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  add_attr(header(&req), IFLA_IFNAME, name, strlen(name) + 1);
  struct rtattr *info = add_attr(header(&req), IFLA_LINKINFO, NULL, 0);
  add_attr(header(&req), IFLA_INFO_KIND, "veth", strlen("veth"));
  struct rtattr *data = add_attr(header(&req), IFLA_INFO_DATA, NULL, 0);
  struct ifinfomsg peer_ifi = {.ifi_family = AF_UNSPEC};
  struct rtattr *p = add_attr(header(&req), VETH_INFO_PEER, &peer_ifi, sizeof(peer_ifi));
  add_attr(header(&req), IFLA_IFNAME, peer, strlen(peer) + 1);
  uint32_t nsfd = (uint32_t)peer_ns;
  add_attr(header(&req), IFLA_NET_NS_FD, &nsfd, sizeof(nsfd));
  end_nest(header(&req), p);
  end_nest(header(&req), data);
  end_nest(header(&req), info);
  return nl_talk(fd, header(&req));
}

/* Brings link `index` up, enslaved to `master` when it is not 0. */
static int link_up(int fd, int index, int master) {
  struct nlreq req;
  struct ifinfomsg *ifi = link_request(&req, RTM_NEWLINK, 0);
  ifi->ifi_index = index;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  if (master > 0) {
    uint32_t m = (uint32_t)master;
    add_attr(header(&req), IFLA_MASTER, &m, sizeof(m));
  }
  return nl_talk(fd, header(&req));
}

static int link_del(int fd, int index) {
  struct nlreq req;
  struct ifinfomsg *ifi = link_request(&req, RTM_DELLINK, 0);
  ifi->ifi_index = index;
  return nl_talk(fd, header(&req));
}

/* ADDRESS/PREFIX (IPv4) on link `index`; one it has already is fine. */
static int addr_add(int fd, int index, const char *cidr) {
  char addr[64];
  const char *slash = strchr(cidr, '/');
  unsigned prefix = 0;
  if (!slash || (size_t)(slash - cidr) >= sizeof(addr) || sscanf(slash + 1, "%u", &prefix) != 1 || prefix < 1 || prefix > 30) {
    errno = EINVAL;
    return -1;
  }
  memcpy(addr, cidr, (size_t)(slash - cidr));
  addr[slash - cidr] = '\0';
  struct in_addr in;
  if (inet_pton(AF_INET, addr, &in) != 1) {
    errno = EINVAL;
    return -1;
  }
  struct nlreq req;
  memset(&req, 0, sizeof(req));
  struct nlmsghdr *h = header(&req);
  h->nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
  h->nlmsg_type = RTM_NEWADDR;
  h->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
  struct ifaddrmsg *ifa = NLMSG_DATA(h);
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = (unsigned char)prefix;
  ifa->ifa_index = (unsigned)index;
  add_attr(header(&req), IFA_LOCAL, &in, sizeof(in));
  add_attr(header(&req), IFA_ADDRESS, &in, sizeof(in));
  struct in_addr brd = {.s_addr = in.s_addr | htonl(prefix == 32 ? 0 : (0xffffffffu >> prefix))};
  add_attr(header(&req), IFA_BROADCAST, &brd, sizeof(brd));
  if (nl_talk(fd, header(&req)) < 0 && errno != EEXIST)
    return -1;
  return 0;
}

#define STEP(what, call)                                                   \
  do {                                                                     \
    if ((call) < 0) {                                                      \
      snprintf(err, errlen, "%s: %s", what, errno_text(errno));              \
      goto out;                                                            \
    }                                                                      \
  } while (0)

/*
 * The bridge's side, in a process of its own (forked): it enters the
 * networks' namespace, makes the bridge when it is missing (the network's
 * first container does), and enslaves the pair's end `peer` to it. The
 * caller never leaves its own network namespace: a container's, whose
 * /proc/PID/ns/net its network helper (pasta) may be opening meanwhile.
 */
static int bridge_side(int bridge_ns, const struct bridge_port_args *a, char *err, size_t errlen) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) {
    snprintf(err, errlen, "pipe2: %s", errno_text(errno));
    return -1;
  }
  pid_t child = fork();
  if (child < 0) {
    snprintf(err, errlen, "fork: %s", errno_text(errno));
    close(p[0]);
    close(p[1]);
    return -1;
  }
  if (child == 0) {
    char msg[256] = "";
    size_t errlen = sizeof(msg);
    char *err = msg;
    int fd = -1, index, peer;
    close(p[0]);
    STEP("enter the networks' namespace", setns(bridge_ns, CLONE_NEWNET));
    STEP("open a netlink socket", fd = nl_open());
    STEP("create the bridge", bridge_add(fd, a->bridge));
    index = (int)if_nametoindex(a->bridge);
    STEP("find the bridge", index ? 0 : -1);
    STEP("give the bridge its address", addr_add(fd, index, a->gateway));
    STEP("bring the bridge up", link_up(fd, index, 0));
    peer = (int)if_nametoindex(a->peer);
    STEP("find the bridge's end of the pair", peer ? 0 : -1);
    STEP("attach the pair to the bridge", link_up(fd, peer, index));
    _exit(0);
  out:
    if (write(p[1], msg, strlen(msg)) < 0)
      _exit(2);
    _exit(1);
  }
  close(p[1]);
  char msg[256];
  ssize_t n;
  while ((n = read(p[0], msg, sizeof(msg) - 1)) < 0 && errno == EINTR)
    ;
  close(p[0]);
  int st = 0;
  while (waitpid(child, &st, 0) < 0 && errno == EINTR)
    ;
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
    return 0;
  msg[n > 0 ? n : 0] = '\0';
  snprintf(err, errlen, "%s", n > 0 ? msg : "the bridge's side failed");
  return -1;
}

int bridge_port(int bridge_ns, const struct bridge_port_args *a, char *err, size_t errlen) {
  int fd = -1, rc = -1, mine;
  /* The pair, made from here: its end `peer` in the networks' namespace (the bridge need not exist yet). */
  STEP("open a netlink socket", fd = nl_open());
  STEP("create the veth pair", veth_add(fd, a->ifname, a->peer, bridge_ns));
  if (bridge_side(bridge_ns, a, err, errlen) < 0)
    goto out;
  /* Ours: its address, up. */
  mine = (int)if_nametoindex(a->ifname);
  STEP("find the container's end of the pair", mine ? 0 : -1);
  STEP("give the container its address", addr_add(fd, mine, a->address));
  STEP("bring the container's interface up", link_up(fd, mine, 0));
  rc = 0;
out:
  if (fd >= 0)
    close(fd);
  return rc;
}

int bridge_unport(int member_ns, const char *ifname, char *err, size_t errlen) {
  int fd = -1, rc = -1, index;
  STEP("enter the container's network namespace", setns(member_ns, CLONE_NEWNET));
  STEP("open a netlink socket", fd = nl_open());
  index = (int)if_nametoindex(ifname);
  if (!index) {
    snprintf(err, errlen, "the container has no interface `%s`", ifname);
    goto out;
  }
  STEP("remove the interface", link_del(fd, index));
  rc = 0;
out:
  if (fd >= 0)
    close(fd);
  return rc;
}

/* Enters the user namespace of process `pid` (unless it is ours) and opens its network namespace. */
static int container_netns(const char *pidtext, char *err, size_t errlen) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%s/ns/user", pidtext);
  int user = open(path, O_RDONLY | O_CLOEXEC);
  if (user < 0) {
    snprintf(err, errlen, "open %s: %s", path, errno_text(errno));
    return -1;
  }
  if (setns(user, CLONE_NEWUSER) < 0 && errno != EINVAL) {
    snprintf(err, errlen, "enter the container's user namespace: %s", errno_text(errno));
    close(user);
    return -1;
  }
  close(user);
  snprintf(path, sizeof(path), "/proc/%s/ns/net", pidtext);
  int net = open(path, O_RDONLY | O_CLOEXEC);
  if (net < 0)
    snprintf(err, errlen, "open %s: %s", path, errno_text(errno));
  return net;
}

/* burrow-helper network-connect PID NETNS-PATH BRIDGE GATEWAY/PREFIX IFNAME PEER ADDRESS/PREFIX */
int cmd_network_connect(int argc, char **argv) {
  char err[512] = "";
  if (argc != 7) {
    fprintf(stderr, "Error: usage: burrow-helper network-connect PID NETNS BRIDGE GATEWAY/PREFIX IFNAME PEER ADDRESS/PREFIX\n");
    return EXIT_HELPER;
  }
  int member = container_netns(argv[0], err, sizeof(err));
  int bridge = member < 0 ? -1 : open(argv[1], O_RDONLY | O_CLOEXEC);
  if (member >= 0 && bridge < 0)
    snprintf(err, sizeof(err), "open %s: %s", argv[1], errno_text(errno));
  struct bridge_port_args a = {.bridge = argv[2], .gateway = argv[3], .ifname = argv[4], .peer = argv[5], .address = argv[6]};
  if (bridge >= 0 && setns(member, CLONE_NEWNET) < 0)
    snprintf(err, sizeof(err), "enter the container's network namespace: %s", errno_text(errno));
  else if (bridge >= 0 && bridge_port(bridge, &a, err, sizeof(err)) == 0)
    return 0;
  fprintf(stderr, "Error: connect the container to its network: %s\n", err);
  return EXIT_HELPER;
}

/* burrow-helper network-disconnect PID IFNAME */
int cmd_network_disconnect(int argc, char **argv) {
  char err[512] = "";
  if (argc != 2) {
    fprintf(stderr, "Error: usage: burrow-helper network-disconnect PID IFNAME\n");
    return EXIT_HELPER;
  }
  int member = container_netns(argv[0], err, sizeof(err));
  if (member >= 0 && bridge_unport(member, argv[1], err, sizeof(err)) == 0)
    return 0;
  fprintf(stderr, "Error: disconnect the container from its network: %s\n", err);
  return EXIT_HELPER;
}
