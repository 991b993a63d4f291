"""Communities: neighbourhoods and villages, their centres, members, committee and the councils they address."""
