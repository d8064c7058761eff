/**
 * From login name to an ordered list of backends (where, never how): route sources tried in turn, a Caffeine
 * cache in front of them, pools that order their backends per user by weighted rendezvous hashing, and the
 * backends' health state that orders them.
 */
package dev.postern.route;
