"""The CMS families of disclosure sites, each one's knowledge in one module.

``shared`` holds what every family shares (the attachment rule, WAF and error markers);
``trs`` the TRS pager.
"""
