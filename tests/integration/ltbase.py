# SPDX-License-Identifier: ISC
"""ltbase.py - the libtorrent settings every test peer starts from.

A libtorrent session in a test talks plain TCP BitTorrent on the
addresses it is given and nothing else: no DHT, UPnP or NAT-PMP (they
would reach beyond the test's namespaces), no uTP and no encryption
(aptbtd speaks neither).  Each script adds its own keys.
"""

PLAIN = {
    'enable_dht': False,
    'enable_upnp': False,
    'enable_natpmp': False,
    'enable_outgoing_utp': False,
    'enable_incoming_utp': False,
    'out_enc_policy': 2,
    'in_enc_policy': 2,
}


def settings(**extra):
    """PLAIN with the script's own keys on top."""
    s = dict(PLAIN)
    s.update(extra)
    return s
