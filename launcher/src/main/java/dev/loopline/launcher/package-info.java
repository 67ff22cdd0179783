/**
 * The {@code loopline} command line: the embedded loop ({@code up}), producing events ({@code
 * produce}), inspecting topics ({@code topics}), demo traffic ({@code generate}) and the commands
 * other modules contribute ({@link dev.loopline.launcher.ContributedCommands}). Every command
 * builds its clients from the one {@link dev.loopline.config.LooplineConfig}.
 */
package dev.loopline.launcher;
