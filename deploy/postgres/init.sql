-- One database per service that persists: enrolments, and the audit trail.
CREATE DATABASE challenge;
CREATE DATABASE audit;
