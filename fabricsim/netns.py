"""The real kernel pieces: a network namespace per simulated host, with real links.

Links created here (veth pairs, bridges, macvlans) are the kernel's own, so that link
up/down, renames and deletions are real netlink events that the modules observe with
pyroute2 exactly as on a host.
"""

from __future__ import annotations

import hashlib

from pyroute2 import IPRoute, netns as pyroute2_netns

PREFIX = 'fsim-'


def name_for(root: str) -> str:
    return PREFIX + hashlib.sha1(root.encode('utf-8')).hexdigest()[:10]


class Netns:
    def __init__(self, name: str):
        self.name = name

    def exists(self) -> bool:
        return self.name in pyroute2_netns.listnetns()

    def create(self, links: list) -> None:
        if self.exists():
            pyroute2_netns.remove(self.name)
        pyroute2_netns.create(self.name)
        with IPRoute(netns=self.name) as ipr:
            ipr.link('set', index=ipr.link_lookup(ifname='lo')[0], state='up')
            for link in links:
                self._add(ipr, link)

    def _add(self, ipr, link: dict) -> None:
        kind = link.get('kind', 'veth')
        spec = {'ifname': link['name'], 'kind': kind}
        if link.get('address'):
            spec['address'] = link['address']
        if kind == 'veth':
            spec['peer'] = {'ifname': link.get('peer', link['name'] + 'p')}
        elif kind in ('macvlan', 'macvtap'):
            spec['link'] = ipr.link_lookup(ifname=link['lower'])[0]
            spec[kind + '_mode'] = link.get('mode', 'bridge')
        ipr.link('add', **spec)
        index = ipr.link_lookup(ifname=link['name'])[0]
        if link.get('master'):
            ipr.link('set', index=index, master=ipr.link_lookup(ifname=link['master'])[0])
        if link.get('mtu'):
            ipr.link('set', index=index, mtu=int(link['mtu']))
        if link.get('state', 'up') == 'up':
            ipr.link('set', index=index, state='up')
            if kind == 'veth':
                ipr.link('set', index=ipr.link_lookup(ifname=spec['peer']['ifname'])[0], state='up')

    def destroy(self) -> None:
        if self.exists():
            pyroute2_netns.remove(self.name)

    def link(self, action: str, name: str, **extra) -> dict:
        """Real link events: up, down, delete, rename, add."""
        with IPRoute(netns=self.name) as ipr:
            if action == 'add':
                self._add(ipr, dict(extra, name=name))
                return {'link': name, 'action': action}
            found = ipr.link_lookup(ifname=name)
            if not found:
                raise ValueError('no link %s in %s' % (name, self.name))
            index = found[0]
            if action in ('up', 'down'):
                ipr.link('set', index=index, state=action)
            elif action == 'delete':
                ipr.link('del', index=index)
            elif action == 'rename' and str(extra.get('live')).lower() in ('yes', 'true', '1'):
                ipr.link('set', index=index, ifname=extra['to'])   # the caller checked the scenario's kernel
            elif action == 'rename':
                ipr.link('set', index=index, state='down')
                ipr.link('set', index=index, ifname=extra['to'])
                if extra.get('up', True):
                    ipr.link('set', index=index, state='up')
            else:
                raise ValueError('unknown link action %r' % action)
        return {'link': name, 'action': action}

    def links(self) -> list:
        with IPRoute(netns=self.name) as ipr:
            return [{'name': msg.get('ifname'), 'index': msg['index'], 'kind': msg.get(('linkinfo', 'kind')),
                     'link': msg.get('link'), 'address': msg.get('address'),
                     'state': 'up' if msg['flags'] & 1 else 'down'}
                    for msg in ipr.get_links()]
