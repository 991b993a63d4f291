"""Volunteers and community centres: the site's list of skills (seeded), volunteer profiles (skills, interests,
days and times, preferred centres, visibility), partner coordinators, offers of help on demands, opportunities
(their skills, capacity and the places taken, never above it), sign-ups (one per person and opportunity, hours,
reminders), feedback (rating 1-5), and the centre a demand was raised at

Revision ID: 013f123996e9
Revises: 37758884c6cf
Create Date: 2026-12-01 19:27:24.924674

"""
from alembic import op
import sqlalchemy as sa

import civicvoice.database


# revision identifiers, used by Alembic.
revision = '013f123996e9'
down_revision = '37758884c6cf'
branch_labels = None
depends_on = None


# The list the site starts with; site administrators change it at /admin/skills.
SKILLS = [
    ("plumbing", "السباكة", "Plumbing"), ("electricity", "الكهرباء", "Electricity"),
    ("building", "البناء والترميم", "Building"), ("teaching", "التعليم", "Teaching"),
    ("first_aid", "الإسعافات الأولية", "First aid"), ("driving", "القيادة", "Driving"),
    ("translation", "الترجمة", "Translation"), ("design", "التصميم", "Design"),
    ("accounting", "المحاسبة", "Accounting"), ("events", "تنظيم الفعاليات", "Organising events"),
    ("data_entry", "إدخال البيانات", "Data entry"), ("childcare", "رعاية الأطفال", "Childcare"),
    ("elderly_care", "رعاية كبار السن", "Elderly care"),
]


def upgrade():
    op.create_table('skills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name_ar', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.CheckConstraint("key <> ''", name=op.f('ck_skills_key')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skills')),
    sa.UniqueConstraint('key', name=op.f('uq_skills_key'))
    )
    op.create_table('volunteer_coordinators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation', sa.String(length=120), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', civicvoice.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_volunteer_coordinators_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_volunteer_coordinators_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_volunteer_coordinators_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_coordinators')),
    sa.UniqueConstraint('community_id', 'user_id', name=op.f('uq_volunteer_coordinators_community_id_user_id'))
    )
    with op.batch_alter_table('volunteer_coordinators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_coordinators_user_id'), ['user_id'], unique=False)

    op.create_table('volunteer_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('interests', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('times', sa.Integer(), nullable=False),
    sa.Column('about', sa.Text(), nullable=False),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('updated_at', civicvoice.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', civicvoice.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("visibility IN ('committee', 'members')", name=op.f('ck_volunteer_profiles_visibility')),
    sa.CheckConstraint('days BETWEEN 0 AND 127', name=op.f('ck_volunteer_profiles_days')),
    sa.CheckConstraint('interests >= 0', name=op.f('ck_volunteer_profiles_interests')),
    sa.CheckConstraint('times BETWEEN 0 AND 7', name=op.f('ck_volunteer_profiles_times')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_volunteer_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_profiles')),
    sa.UniqueConstraint('user_id', name=op.f('uq_volunteer_profiles_user_id'))
    )
    op.create_table('volunteer_profile_centres',
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_volunteer_profile_centres_centre_id_centres'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['profile_id'], ['volunteer_profiles.id'], name=op.f('fk_volunteer_profile_centres_profile_id_volunteer_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('profile_id', 'centre_id', name=op.f('pk_volunteer_profile_centres'))
    )
    with op.batch_alter_table('volunteer_profile_centres', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_profile_centres_centre_id'), ['centre_id'], unique=False)

    op.create_table('volunteer_profile_skills',
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['volunteer_profiles.id'], name=op.f('fk_volunteer_profile_skills_profile_id_volunteer_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_volunteer_profile_skills_skill_id_skills'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('profile_id', 'skill_id', name=op.f('pk_volunteer_profile_skills'))
    )
    with op.batch_alter_table('volunteer_profile_skills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_profile_skills_skill_id'), ['skill_id'], unique=False)

    op.create_table('opportunities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=True),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('coordinator_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('starts_at', civicvoice.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('times', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('places_taken', sa.Integer(), server_default='0', nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', civicvoice.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('proposed', 'open', 'closed', 'cancelled', 'rejected')", name=op.f('ck_opportunities_status')),
    sa.CheckConstraint('capacity BETWEEN 1 AND 1000', name=op.f('ck_opportunities_capacity')),
    sa.CheckConstraint('days BETWEEN 0 AND 127', name=op.f('ck_opportunities_days')),
    sa.CheckConstraint('duration_minutes IS NULL OR duration_minutes BETWEEN 15 AND 1440', name=op.f('ck_opportunities_duration')),
    sa.CheckConstraint('places_taken >= 0 AND places_taken <= capacity', name=op.f('ck_opportunities_places_taken')),
    sa.CheckConstraint('times BETWEEN 0 AND 7', name=op.f('ck_opportunities_times')),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_opportunities_centre_id_centres'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_opportunities_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['coordinator_id'], ['users.id'], name=op.f('fk_opportunities_coordinator_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_opportunities_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_opportunities_proposal_id_proposals'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunities'))
    )
    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunities_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunities_coordinator_id'), ['coordinator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opportunities_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index('ix_opportunities_status_community', ['status', 'community_id', 'starts_at'], unique=False)

    op.create_table('volunteer_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=True),
    sa.Column('skill_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', civicvoice.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind <> 'time' OR hours IS NOT NULL", name=op.f('ck_volunteer_offers_time_has_hours')),
    sa.CheckConstraint("kind IN ('time', 'skill', 'resource')", name=op.f('ck_volunteer_offers_kind')),
    sa.CheckConstraint("status IN ('active', 'withdrawn')", name=op.f('ck_volunteer_offers_status')),
    sa.CheckConstraint('hours IS NULL OR hours BETWEEN 1 AND 500', name=op.f('ck_volunteer_offers_hours')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_volunteer_offers_proposal_id_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_volunteer_offers_skill_id_skills'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_volunteer_offers_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_offers'))
    )
    with op.batch_alter_table('volunteer_offers', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer_offers_proposal_status', ['proposal_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_offers_user_id'), ['user_id'], unique=False)

    op.create_table('opportunity_skills',
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunities.id'], name=op.f('fk_opportunity_skills_opportunity_id_opportunities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_opportunity_skills_skill_id_skills'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('opportunity_id', 'skill_id', name=op.f('pk_opportunity_skills'))
    )
    with op.batch_alter_table('opportunity_skills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunity_skills_skill_id'), ['skill_id'], unique=False)

    op.create_table('volunteer_signups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('message', sa.String(length=1000), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', civicvoice.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hours', sa.Float(), nullable=True),
    sa.Column('hours_recorded_at', civicvoice.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hours_recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('reminded_at', civicvoice.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', civicvoice.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("hours IS NULL OR status = 'confirmed'", name=op.f('ck_volunteer_signups_hours_confirmed')),
    sa.CheckConstraint("status IN ('invited', 'pending', 'confirmed', 'declined', 'withdrawn')", name=op.f('ck_volunteer_signups_status')),
    sa.CheckConstraint('hours IS NULL OR (hours > 0 AND hours <= 500)', name=op.f('ck_volunteer_signups_hours')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_volunteer_signups_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hours_recorded_by_id'], ['users.id'], name=op.f('fk_volunteer_signups_hours_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_volunteer_signups_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunities.id'], name=op.f('fk_volunteer_signups_opportunity_id_opportunities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_volunteer_signups_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_signups')),
    sa.UniqueConstraint('opportunity_id', 'user_id', name=op.f('uq_volunteer_signups_opportunity_id_user_id'))
    )
    with op.batch_alter_table('volunteer_signups', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer_signups_opportunity_status', ['opportunity_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_signups_user_id'), ['user_id'], unique=False)

    op.create_table('volunteer_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signup_id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('went_well', sa.Text(), nullable=False),
    sa.Column('to_improve', sa.Text(), nullable=False),
    sa.Column('ideas', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', civicvoice.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', civicvoice.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_volunteer_feedback_rating')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_volunteer_feedback_answered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunities.id'], name=op.f('fk_volunteer_feedback_opportunity_id_opportunities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signup_id'], ['volunteer_signups.id'], name=op.f('fk_volunteer_feedback_signup_id_volunteer_signups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_feedback')),
    sa.UniqueConstraint('signup_id', name=op.f('uq_volunteer_feedback_signup_id'))
    )
    with op.batch_alter_table('volunteer_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_feedback_opportunity_id'), ['opportunity_id'], unique=False)

    skills = sa.table("skills", sa.column("key", sa.String), sa.column("name_ar", sa.String),
                      sa.column("name_en", sa.String), sa.column("active", sa.Boolean))
    op.bulk_insert(skills, [{"key": key, "name_ar": ar, "name_en": en, "active": True} for key, ar, en in SKILLS])

    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('centre_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_proposals_centre_id'), ['centre_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_proposals_centre_id_centres'), 'centres', ['centre_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_proposals_centre_id_centres'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_proposals_centre_id'))
        batch_op.drop_column('centre_id')

    with op.batch_alter_table('volunteer_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_feedback_opportunity_id'))

    op.drop_table('volunteer_feedback')
    with op.batch_alter_table('volunteer_signups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_signups_user_id'))
        batch_op.drop_index('ix_volunteer_signups_opportunity_status')

    op.drop_table('volunteer_signups')
    with op.batch_alter_table('opportunity_skills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunity_skills_skill_id'))

    op.drop_table('opportunity_skills')
    with op.batch_alter_table('volunteer_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_offers_user_id'))
        batch_op.drop_index('ix_volunteer_offers_proposal_status')

    op.drop_table('volunteer_offers')
    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.drop_index('ix_opportunities_status_community')
        batch_op.drop_index(batch_op.f('ix_opportunities_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_opportunities_coordinator_id'))
        batch_op.drop_index(batch_op.f('ix_opportunities_centre_id'))

    op.drop_table('opportunities')
    with op.batch_alter_table('volunteer_profile_skills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_profile_skills_skill_id'))

    op.drop_table('volunteer_profile_skills')
    with op.batch_alter_table('volunteer_profile_centres', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_profile_centres_centre_id'))

    op.drop_table('volunteer_profile_centres')
    op.drop_table('volunteer_profiles')
    with op.batch_alter_table('volunteer_coordinators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_coordinators_user_id'))

    op.drop_table('volunteer_coordinators')
    op.drop_table('skills')
