global using System.Numerics;
global using CommunityToolkit.HighPerformance;
global using Xunit;
