/**
 * From login name to an ordered list of backends: route sources tried in turn, a Caffeine cache in front of
 * them, and pools that order their backends per user by weighted rendezvous hashing.
 */
package dev.postern.route;
