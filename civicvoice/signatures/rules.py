"""Who co-signs a demand, and who manages its signatures."""
from ..communities.rules import is_blocked, is_participant
from ..permissions import is_admin, rule, signed_in
from ..proposals import states
from ..proposals.rules import proposal_roles


@rule
def can_sign_proposal(user, proposal) -> bool:
    """Active members sign open demands (an unverified email makes the signature pending)."""
    return proposal.status in states.SIGNABLE and is_participant(user, proposal.community)


@rule
def can_change_signature(user, proposal) -> bool:
    """Signers change how their name shows and their comment while the demand is open for signatures, unless the
    committee blocked them in its community (withdrawing the signature stays possible)."""
    return proposal.status in states.SIGNABLE and signed_in(user) and not is_blocked(user, proposal.community)


@rule
def can_manage_signatures(user, proposal) -> bool:
    """The committee records paper batches, voids and corrects signatures, and exports the signer list."""
    return "committee" in proposal_roles(user, proposal)


@rule
def can_invalidate_signatures(user, proposal) -> bool:
    """The committee voids signatures together (a burst from one network, a run at one email domain) while the
    demand collects them; once signing is over, what was counted stands."""
    return proposal.is_signable and "committee" in proposal_roles(user, proposal)


@rule
def can_see_private_contact(user) -> bool:
    """Signers' email addresses and phones: site administrators only."""
    return is_admin(user)
