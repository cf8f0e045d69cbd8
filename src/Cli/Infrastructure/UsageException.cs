using System;

namespace Convotron.Cli.Infrastructure;

/// <summary>A command-line argument is invalid; the message names the option and its allowed values. Exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
